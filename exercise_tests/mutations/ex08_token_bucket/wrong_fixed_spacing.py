# MUTATION: no bucket at all: every call waits 1/rate seconds, so there is never a burst
# EXPECT: The bucket starts full
class RateLimiter:
    def __init__(self, rate, capacity):
        self.rate, self.capacity = rate, capacity
        self._lock = asyncio.Lock()

    async def acquire(self):
        async with self._lock:
            await asyncio.sleep(1 / self.rate)
