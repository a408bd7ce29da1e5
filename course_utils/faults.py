"""What can go wrong with an LLM call, and how to switch it on (introduced in lesson 07).

Faults are either *scripted* (``FaultPlan(script=["error", "error", "ok"])`` fails the first two
calls and lets the third through) or *probabilistic* (``FaultPlan(error_rate=0.2)``), always
drawn from the course seed so a failing run fails the same way every time.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Iterable

from .seeding import rng_for

#: Course seconds a scripted "rate_limit" fault asks the caller to wait.
SCRIPTED_RETRY_AFTER = 1.0

#: The outcomes a fault script may list.
OUTCOMES = ("ok", "error", "overloaded", "rate_limit", "hang", "cut")


class LLMError(Exception):
    """Base class of every simulated LLM failure. ``status_code`` mirrors the HTTP status."""

    status_code: int = 500
    retryable: bool = True

    def __init__(self, message: str, *, request_id: str | None = None) -> None:
        super().__init__(message)
        self.request_id = request_id


class RateLimitError(LLMError):
    """HTTP 429: slow down. ``retry_after`` says how many course seconds to wait."""

    status_code = 429

    def __init__(self, message: str, *, retry_after: float, limit: str = "requests",
                 request_id: str | None = None) -> None:
        super().__init__(message, request_id=request_id)
        self.retry_after = retry_after
        self.limit = limit


class ServerError(LLMError):
    """HTTP 500 (internal error) or 503 (overloaded): transient, worth retrying."""

    def __init__(self, message: str, *, status_code: int = 500, request_id: str | None = None) -> None:
        super().__init__(message, request_id=request_id)
        self.status_code = status_code


class StreamInterrupted(LLMError):
    """The connection dropped in the middle of a streamed answer."""

    def __init__(self, message: str, *, tokens_received: int, request_id: str | None = None) -> None:
        super().__init__(message, request_id=request_id)
        self.tokens_received = tokens_received


class BadRequestError(LLMError):
    """HTTP 400: the request itself is wrong; retrying will not help.

    ``param`` names the offending request field and ``code`` is OpenAI's error code, when known.
    """

    status_code = 400
    retryable = False

    def __init__(self, message: str, *, request_id: str | None = None, param: str | None = None,
                 code: str | None = None) -> None:
        super().__init__(message, request_id=request_id)
        self.param = param
        self.code = code


@dataclass
class FaultPlan:
    """Which calls fail, and how.

    ``script`` is consumed one outcome per call (see :data:`OUTCOMES`); once it runs out, each
    call draws from the rates below. ``hang`` makes a call wait ``hang_seconds`` (course time)
    before answering, which is what a stuck connection looks like to a caller without a timeout.
    """

    script: Iterable[str] = ()
    error_rate: float = 0.0
    overloaded_rate: float = 0.0
    hang_rate: float = 0.0
    cut_rate: float = 0.0
    hang_seconds: float = 3600.0
    _queue: deque[str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._queue = deque(self.script)
        for outcome in self._queue:
            if outcome not in OUTCOMES:
                raise ValueError(f"unknown fault {outcome!r}; choose from {', '.join(OUTCOMES)}")
        for name in ("error_rate", "overloaded_rate", "hang_rate", "cut_rate"):
            rate = getattr(self, name)
            if not 0.0 <= rate <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, got {rate}")
        if self.error_rate + self.overloaded_rate + self.hang_rate + self.cut_rate > 1.0:
            raise ValueError("the fault rates add up to more than 1")

    @property
    def scripted_left(self) -> int:
        return len(self._queue)

    def next_outcome(self, seed: int, call_index: int) -> str:
        """The outcome of call number ``call_index`` (deterministic for a given seed)."""
        if self._queue:
            return self._queue.popleft()
        total = self.error_rate + self.overloaded_rate + self.hang_rate + self.cut_rate
        if total == 0.0:
            return "ok"
        draw = rng_for("fault", seed, call_index).random()
        for outcome, rate in (("error", self.error_rate), ("overloaded", self.overloaded_rate),
                              ("hang", self.hang_rate), ("cut", self.cut_rate)):
            if draw < rate:
                return outcome
            draw -= rate
        return "ok"


def failure_kind(error: BaseException) -> str:
    """The name usage records count a failure under (``Metrics.errors``), for every client."""
    if isinstance(error, RateLimitError):
        return "rate_limit"
    if isinstance(error, StreamInterrupted):
        return "cut"
    if isinstance(error, BadRequestError):
        return "bad_request"
    if isinstance(error, TimeoutError):
        return "timeout"
    return "overloaded" if getattr(error, "status_code", 500) == 503 else "server_error"
