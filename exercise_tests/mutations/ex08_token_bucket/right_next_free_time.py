# "Virtual scheduling" (GCRA): remember when the next call may go; no token count at all.
class RateLimiter:
    def __init__(self, rate, capacity):
        self.interval = 1.0 / rate
        self.burst = (capacity - 1) * self.interval
        self._next = None

    async def acquire(self):
        now = asyncio.get_running_loop().time()
        if self._next is None or self._next < now - self.burst:
            self._next = now - self.burst
        start = self._next
        self._next = start + self.interval
        wait = start - now
        if wait > 0:
            await asyncio.sleep(wait)
