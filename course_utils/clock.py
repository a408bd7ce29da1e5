"""Course time: every latency is written in course seconds and scaled to real seconds here.

``COURSE_TIME_SCALE=0.05`` makes a 2-second simulated call take 0.1 real seconds, yet every
timing the course reports is converted back, so a lesson reads the same at any scale
(introduced in lesson 01). This module is for the course's own tools; learner code uses plain
asyncio, because a lesson's event loop itself runs on course time (``course_utils.coursetime``).
"""

from __future__ import annotations

import asyncio
import os
import time
from typing import Callable

from .config import settings

_scale_cache: tuple[str | None, float] | None = None


def time_scale() -> float:
    """Real seconds per course second, from ``COURSE_TIME_SCALE`` (default 1.0)."""
    # Reading os.environ on every sleep is cheap, but parsing it is not free at 10k calls/s.
    global _scale_cache
    raw = os.environ.get("COURSE_TIME_SCALE")
    if _scale_cache is None or _scale_cache[0] != raw:
        _scale_cache = (raw, settings().time_scale)
    return _scale_cache[1]


def to_real(course_seconds: float) -> float:
    """Course seconds -> real seconds."""
    return course_seconds * time_scale()


def to_course(real_seconds: float) -> float:
    """Real seconds -> course seconds."""
    return real_seconds / time_scale()


def now() -> float:
    """A monotonic clock reading in course seconds (only differences are meaningful)."""
    return time.perf_counter() / time_scale()


# Set by course_utils.tracing only while a Timeline records: it learns each sleep's deadline so
# a late wake-up (the loop was blocked) shows as queued time. One global read when tracing is off.
_wakeup_hook: Callable[[float], None] | None = None


def loop_scale(loop: asyncio.AbstractEventLoop | None = None) -> float:
    """Loop-clock seconds per course second for ``loop`` (default: the running loop).

    1.0 on a loop that runs on course time (a lesson's kernel, see ``course_utils.coursetime``);
    the time scale on an ordinary loop, whose clock reads real seconds.
    """
    if loop is None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return time_scale()
    return 1.0 if getattr(loop, "_course_time_scale", None) is not None else time_scale()


async def sleep(course_seconds: float) -> None:
    """``asyncio.sleep`` measured in course seconds, on any loop (used by the course's own tools).

    Learner code never needs it: in a lesson the loop itself runs on course time, so plain
    ``asyncio.sleep`` already counts course seconds.
    """
    course_seconds = max(0.0, course_seconds)
    hook = _wakeup_hook
    if hook is not None:
        hook(time.perf_counter() + course_seconds * time_scale())
    await asyncio.sleep(course_seconds * loop_scale())


def sleep_blocking(course_seconds: float) -> None:
    """``time.sleep`` in course seconds: blocks the whole thread (and any event loop on it)."""
    time.sleep(max(0.0, course_seconds) * time_scale())


class Stopwatch:
    """Measure a block in course seconds: ``with Stopwatch() as sw: ...; sw.elapsed``."""

    def __init__(self) -> None:
        self.start: float | None = None
        self.end: float | None = None

    def __enter__(self) -> "Stopwatch":
        self.start = now()
        self.end = None
        return self

    def __exit__(self, *exc: object) -> None:
        self.end = now()

    @property
    def elapsed(self) -> float:
        if self.start is None:
            return 0.0
        return (self.end if self.end is not None else now()) - self.start

    def __repr__(self) -> str:
        return f"Stopwatch(elapsed={self.elapsed:.3f} course s)"
