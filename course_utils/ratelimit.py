"""Token buckets: how LLM providers enforce requests/min and tokens/min (lesson 06).

A bucket holds at most ``capacity`` tokens and refills continuously at ``rate`` tokens per
course second. A request that needs more than is left is refused *without* taking anything,
and is told exactly how long to wait: that figure becomes ``RateLimitError.retry_after``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from . import clock


class TokenBucket:
    """A continuously refilled bucket on a monotonic clock measured in course seconds."""

    def __init__(self, capacity: float, rate: float, *, clock_fn: Callable[[], float] = clock.now) -> None:
        if capacity <= 0 or rate <= 0:
            raise ValueError("a token bucket needs a positive capacity and refill rate")
        self.capacity = float(capacity)
        self.rate = float(rate)
        self._clock = clock_fn
        self._tokens = float(capacity)
        self._updated = clock_fn()

    @classmethod
    def per_minute(cls, limit: float, *, burst: float | None = None,
                   clock_fn: Callable[[], float] = clock.now) -> "TokenBucket":
        """``limit`` per course minute; by default the whole minute's allowance may burst at once."""
        return cls(capacity=burst if burst is not None else limit, rate=limit / 60.0, clock_fn=clock_fn)

    def _refill(self) -> None:
        t = self._clock()
        if t > self._updated:
            self._tokens = min(self.capacity, self._tokens + (t - self._updated) * self.rate)
            self._updated = t

    @property
    def available(self) -> float:
        self._refill()
        return self._tokens

    def wait_time(self, amount: float = 1.0) -> float:
        """Course seconds until ``amount`` tokens are available (0 if they are now)."""
        if amount > self.capacity:
            return float("inf")
        self._refill()
        missing = amount - self._tokens
        return 0.0 if missing <= 0 else missing / self.rate

    def try_take(self, amount: float = 1.0) -> bool:
        """Take ``amount`` tokens if they are all there; otherwise take nothing."""
        self._refill()
        if amount <= self._tokens:
            self._tokens -= amount
            return True
        return False

    def give_back(self, amount: float) -> None:
        """Return tokens taken for a request that turned out to be cheaper than estimated."""
        self._refill()
        self._tokens = min(self.capacity, self._tokens + amount)

    def __repr__(self) -> str:
        return f"TokenBucket({self.available:.1f}/{self.capacity:g}, +{self.rate:g}/s)"


@dataclass
class RateLimits:
    """A provider's limits: requests per minute and tokens per minute (``None`` = unlimited).

    ``check(tokens)`` either admits a request (taking from both buckets) or returns the
    limit that refused it and the course seconds to wait, taking nothing.
    """

    requests_per_minute: float | None = None
    tokens_per_minute: float | None = None
    burst_requests: float | None = None
    burst_tokens: float | None = None
    clock_fn: Callable[[], float] = field(default=clock.now, repr=False)

    def __post_init__(self) -> None:
        self.requests = (TokenBucket.per_minute(self.requests_per_minute, burst=self.burst_requests,
                                                clock_fn=self.clock_fn)
                         if self.requests_per_minute else None)
        self.tokens = (TokenBucket.per_minute(self.tokens_per_minute, burst=self.burst_tokens,
                                              clock_fn=self.clock_fn)
                       if self.tokens_per_minute else None)

    def check(self, tokens: int) -> tuple[str, float] | None:
        """``None`` if admitted, else ``(limit_name, retry_after_course_seconds)``."""
        if self.tokens is not None and tokens > self.tokens.capacity:
            return ("tokens", float("inf"))
        waits = []
        if self.requests is not None:
            waits.append(("requests", self.requests.wait_time(1)))
        if self.tokens is not None:
            waits.append(("tokens", self.tokens.wait_time(tokens)))
        refused = [(name, w) for name, w in waits if w > 0]
        if refused:
            return max(refused, key=lambda item: item[1])
        if self.requests is not None:
            self.requests.try_take(1)
        if self.tokens is not None:
            self.tokens.try_take(tokens)
        return None

    def headers(self) -> dict[str, str]:
        """``x-ratelimit-*`` header values as OpenAI sends them."""
        out: dict[str, str] = {}
        for name, bucket in (("requests", self.requests), ("tokens", self.tokens)):
            if bucket is None:
                continue
            left = bucket.available
            out[f"x-ratelimit-limit-{name}"] = str(int(bucket.capacity))
            out[f"x-ratelimit-remaining-{name}"] = str(int(left))
            reset = (bucket.capacity - left) / bucket.rate
            out[f"x-ratelimit-reset-{name}"] = f"{reset:.3f}s"
        return out
