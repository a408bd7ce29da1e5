# MUTATION: waits for the next token with time.sleep
# EXPECT: blocked the event loop
import time


class RateLimiter:
    def __init__(self, rate, capacity):
        self.rate, self.capacity = rate, capacity
        self._tokens = capacity
        self._updated = time.monotonic()

    async def acquire(self):
        while True:
            now = time.monotonic()
            self._tokens = min(self.capacity, self._tokens + (now - self._updated) * self.rate)
            self._updated = now
            if self._tokens >= 1:
                self._tokens -= 1
                return
            time.sleep((1 - self._tokens) / self.rate)
