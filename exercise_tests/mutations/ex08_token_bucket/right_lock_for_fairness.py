# A Lock around the wait-and-take: not needed for correctness, but callers go first come, first served.
class RateLimiter:
    def __init__(self, rate, capacity):
        self.rate, self.capacity = float(rate), float(capacity)
        self._tokens = float(capacity)
        self._updated = None
        self._lock = asyncio.Lock()

    def _refill(self):
        now = asyncio.get_running_loop().time()
        if self._updated is not None:
            self._tokens = min(self.capacity, self._tokens + (now - self._updated) * self.rate)
        self._updated = now

    async def acquire(self):
        async with self._lock:
            self._refill()
            if self._tokens < 1:
                await asyncio.sleep((1 - self._tokens) / self.rate)
                self._refill()
            self._tokens -= 1
