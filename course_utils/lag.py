"""Catch code that blocks the event loop (introduced in lesson 11).

A heartbeat callback asks the loop to run it every ``interval``; when something blocks the
thread (``time.sleep``, a CPU-bound loop, a sync HTTP call) the beat runs late, and the
lateness is the time every other task was frozen::

    async with LagMonitor() as lag:
        await agent_step()
    print(lag.report())   # "worst lag 0.48 course s (blocking detected: over 0.1 s threshold)"
"""

from __future__ import annotations

import asyncio
from typing import Any

from . import clock

__all__ = ["LagMonitor"]

# Below ~1 ms real a heartbeat mostly measures itself, and at COURSE_TIME_SCALE=0.05 the course
# default of 0.01 course s would ask for 0.5 ms.
_MIN_REAL_INTERVAL = 0.001
# Likewise a shared CI machine stalls a process for a few ms now and then; at scale 0.05 the
# default 0.1 course s threshold is only 5 ms real, so the verdict uses at least 10 ms real.
_MIN_REAL_THRESHOLD = 0.010


class LagMonitor:
    """Measure event-loop lag with a heartbeat scheduled by ``loop.call_at``. Introduced in lesson 11.

    ``interval`` and ``threshold`` are course seconds; every figure it reports is too. Use
    ``async with LagMonitor() as lag:`` or plain ``with`` inside a running loop. At small time
    scales the interval is at least 1 ms real and the threshold at least 10 ms real (see
    ``effective_threshold``); at scale 1 both are exactly what you asked for.
    """

    def __init__(self, interval: float = 0.01, threshold: float = 0.1) -> None:
        if interval <= 0 or threshold <= 0:
            raise ValueError("interval and threshold must be positive course seconds")
        self.interval = interval
        self.threshold = threshold
        self._scale = clock.time_scale()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._handle: asyncio.TimerHandle | None = None
        self._due = 0.0
        self._period = 0.0
        self._t0 = 0.0
        self._t_end: float | None = None
        # (loop time of the beat, lateness in real seconds): converted only when read.
        self._raw: list[tuple[float, float]] = []

    # -- heartbeat ----------------------------------------------------------------------

    def _schedule(self, loop: asyncio.AbstractEventLoop, after: float) -> None:
        self._due = after + self._period
        self._handle = loop.call_at(self._due, self._beat)

    def _beat(self) -> None:
        loop = self._loop
        if loop is None:
            return
        now = loop.time()
        # The loop may fire a timer up to its clock resolution early; that is not lag.
        self._raw.append((now, max(0.0, now - self._due)))
        # Next beat counts from now, not from the missed slot, so one long block is one sample
        # instead of a burst of catch-up beats.
        self._schedule(loop, now)

    def __enter__(self) -> "LagMonitor":
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            raise RuntimeError(
                "LagMonitor watches a running event loop: use it inside an async function "
                "(or a notebook cell), e.g. `async with LagMonitor() as lag:`"
            ) from None
        # Loop-clock seconds per course second: 1 on a lesson's course-time loop, the time scale
        # on an ordinary loop whose clock reads real seconds.
        self._scale = clock.loop_scale(loop)
        self._period = max(self.interval, _MIN_REAL_INTERVAL / clock.time_scale()) * self._scale
        self._loop = loop
        self._raw = []
        self._t_end = None
        self._t0 = loop.time()
        self._schedule(loop, self._t0)
        return self

    def __exit__(self, *exc: object) -> None:
        loop = self._loop
        if loop is None:
            return
        now = loop.time()
        # A block right before the exit never let the pending beat run; count it here.
        if now > self._due:
            self._raw.append((now, now - self._due))
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        self._t_end = now
        self._loop = None

    async def __aenter__(self) -> "LagMonitor":
        return self.__enter__()

    async def __aexit__(self, *exc: object) -> None:
        self.__exit__(*exc)

    # -- results (course seconds) -------------------------------------------------------

    @property
    def samples(self) -> list[tuple[float, float]]:
        """``(time since start, lag)`` for every heartbeat, in course seconds."""
        s, t0 = self._scale, self._t0
        return [((t - t0) / s, lag / s) for t, lag in self._raw]

    @property
    def max_lag(self) -> float:
        """The worst lateness of any heartbeat (course seconds)."""
        return max((lag for _, lag in self._raw), default=0.0) / self._scale

    @property
    def mean_lag(self) -> float:
        """Average lateness over all heartbeats (course seconds)."""
        if not self._raw:
            return 0.0
        return sum(lag for _, lag in self._raw) / len(self._raw) / self._scale

    @property
    def effective_threshold(self) -> float:
        """The threshold the verdict uses: ``threshold``, or 10 ms real if that is larger."""
        return max(self.threshold, _MIN_REAL_THRESHOLD / clock.time_scale())

    @property
    def blocked(self) -> bool:
        """True if any heartbeat was later than the (effective) threshold."""
        return self.max_lag > self.effective_threshold

    @property
    def spikes(self) -> list[tuple[float, float]]:
        """``(start, duration)`` of each stretch over the threshold, in course seconds.

        A late beat at time t with lag L means the loop was stuck from about t - L to t.
        """
        out: list[tuple[float, float]] = []
        threshold = self.effective_threshold
        for t, lag in self.samples:
            if lag <= threshold:
                continue
            start, end = t - lag, t
            if out and start <= out[-1][0] + out[-1][1]:
                prev_start = out[-1][0]
                out[-1] = (prev_start, max(end, prev_start + out[-1][1]) - prev_start)
            else:
                out.append((start, lag))
        return out

    @property
    def elapsed(self) -> float:
        """How long the monitor has been watching (course seconds)."""
        if self._loop is None and self._t_end is None:
            return 0.0
        end = self._t_end if self._t_end is not None else self._loop.time()  # type: ignore[union-attr]
        return (end - self._t0) / self._scale

    def report(self) -> str:
        """One line for a lesson: worst lag and whether it crossed the threshold."""
        threshold = round(self.effective_threshold, 3)
        verdict = (f"blocking detected: over {threshold:g} s threshold" if self.blocked
                   else f"no blocking: under {threshold:g} s threshold")
        return f"worst lag {self.max_lag:.2f} course s ({verdict})"

    def plot(self, **kwargs: Any) -> Any:
        """Lag over time with the threshold line; see :func:`course_utils.plots.plot_lag`."""
        from .plots import plot_lag

        return plot_lag(self, **kwargs)

    def __repr__(self) -> str:
        return f"LagMonitor({len(self._raw)} beats, {self.report()})"
