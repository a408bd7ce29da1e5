"""Course time for the notebook's own event loop: plain asyncio code, scaled below it.

Lessons are written in plain asyncio: ``await asyncio.sleep(2)``, ``async with asyncio.timeout(2)``,
``AsyncLimiter(60, 60)``. The test suite still wants to run them twenty times faster. Rather than
bending learner code (``asyncio.sleep(clock.to_real(2))``), the kernel's event loop itself runs on
*course seconds*: its clock (``loop.time()``) reads real seconds divided by ``COURSE_TIME_SCALE``,
and the selector waits ``scale`` real seconds per course second. Every timer built on the loop's
clock follows: ``asyncio.sleep``, ``asyncio.timeout``, ``wait_for``, ``call_later``, anyio/httpx
deadlines, aiolimiter, tenacity's default sleep. At the default scale of 1 nothing changes at all.

It is installed by ``import course_utils`` inside a Jupyter kernel (every lesson's first cell),
so learners never call it. Course authors: see docs/authoring.md, "Course time". Introduced in
lesson 01.

What is *not* on course time: ``time.sleep`` and ``time.perf_counter`` (real seconds), threads and
other processes (they have no loop of ours), and servers started in their own thread by
``serve()``; the course's own simulated tools and LLM scale themselves (``course_utils.clock``).
"""

from __future__ import annotations

import asyncio
import heapq
import selectors
import sys
from typing import Any

from . import clock

#: Attribute set on a loop that runs on course time; the value is its real seconds per loop second.
MARK = "_course_time_scale"


class _ScaledSelector:
    """Wraps the loop's selector: a wait of ``t`` loop (course) seconds is ``t * scale`` real ones."""

    def __init__(self, inner: selectors.BaseSelector, scale: float) -> None:
        self._inner = inner
        self._scale = scale

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        return self._inner.select(None if timeout is None else timeout * self._scale)

    def __getattr__(self, name: str) -> Any:  # register/modify/unregister/get_map/close ...
        return getattr(self._inner, name)


def is_installed(loop: asyncio.AbstractEventLoop | None = None) -> bool:
    """True when ``loop`` (default: the running loop) runs on course time."""
    if loop is None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return False
    return getattr(loop, MARK, None) is not None


def install(loop: asyncio.AbstractEventLoop | None = None) -> bool:
    """Make ``loop`` (default: the running loop) count course seconds. Idempotent.

    Returns True when the loop now runs on course time. Only asyncio's pure-Python selector loops
    can be scaled (that is what ipykernel runs); any other loop is left alone and False returned.
    """
    if loop is None:
        loop = asyncio.get_running_loop()
    if is_installed(loop):
        return True
    scale = clock.time_scale()
    selector = getattr(loop, "_selector", None)
    if not isinstance(loop, asyncio.BaseEventLoop) or selector is None:
        return False
    if scale != 1.0:
        real_time = loop.time
        # Timers already scheduled were set in real seconds; rescaling every deadline by the same
        # positive factor keeps the heap ordered, so they still fire at their real moment.
        scheduled = getattr(loop, "_scheduled", None)
        if scheduled is not None:
            for handle in scheduled:
                handle._when /= scale
            heapq.heapify(scheduled)
        loop.time = lambda: real_time() / scale  # type: ignore[method-assign]
        loop._selector = _ScaledSelector(selector, scale)  # type: ignore[attr-defined]
        loop._clock_resolution = loop._clock_resolution / scale  # type: ignore[attr-defined]
    setattr(loop, MARK, scale)
    return True


def install_in_kernel() -> bool:
    """Install on the running loop when imported inside a Jupyter kernel; otherwise do nothing.

    Scripts, tests and the exercise sandbox keep their ordinary loops: there the course's tools
    scale themselves and virtual-time test helpers (looptime) stay in charge.
    """
    if "ipykernel" not in sys.modules:
        return False
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return False
    try:
        return install(loop)
    except Exception:  # never break a learner's import over a timing nicety
        return False
