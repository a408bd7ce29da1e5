# MUTATION: checks, sleeps until the token should be there, then takes it without checking again
# EXPECT: check again after every wait
class RateLimiter:
    def __init__(self, rate, capacity):
        self.rate, self.capacity = rate, capacity
        self._tokens = capacity
        self._updated = None

    def _refill(self):
        now = asyncio.get_running_loop().time()
        if self._updated is not None:
            self._tokens = min(self.capacity, self._tokens + (now - self._updated) * self.rate)
        self._updated = now

    async def acquire(self):
        self._refill()
        if self._tokens < 1:
            await asyncio.sleep((1 - self._tokens) / self.rate)
            self._refill()
        self._tokens -= 1
