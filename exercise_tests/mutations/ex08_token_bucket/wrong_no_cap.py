# MUTATION: refills without the cap, so a quiet bucket saves up far more than `capacity` tokens
# EXPECT: never above capacity
class RateLimiter:
    def __init__(self, rate, capacity):
        self.rate, self.capacity = rate, capacity
        self._tokens = capacity
        self._updated = None

    def _refill(self):
        now = asyncio.get_running_loop().time()
        if self._updated is not None:
            self._tokens += (now - self._updated) * self.rate
        self._updated = now

    async def acquire(self):
        while True:
            self._refill()
            if self._tokens >= 1:
                self._tokens -= 1
                return
            await asyncio.sleep((1 - self._tokens) / self.rate)
