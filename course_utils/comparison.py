"""Run the sync and async versions of the same job and compare them (introduced in lesson 02).

::

    result = await compare(lambda: fetch_all_sync(ids), lambda: fetch_all_async(ids))
    result            # sync 0.90 s, async 0.31 s: async 2.9x faster
    assert result.speedup > 2
    result.plot()

Both runs are recorded by a :class:`~course_utils.tracing.Timeline`, so the plot shows *why*
one is faster. Every figure is in course seconds.
"""

from __future__ import annotations

import html
import inspect
from dataclasses import dataclass, field
from time import perf_counter
from typing import Any, Awaitable, Callable, Mapping

from .tracing import Timeline

__all__ = ["compare", "compare_many", "Comparison", "Timings"]


def _ratio(slow: float, fast: float) -> float:
    if fast <= 0:
        return float("inf") if slow > 0 else 1.0
    return slow / fast


@dataclass(frozen=True)
class Comparison:
    """Outcome of :func:`compare`; ``speedup`` is sync wall / async wall. Introduced in lesson 02."""

    sync_seconds: float
    async_seconds: float
    speedup: float
    sync_timeline: Timeline = field(repr=False)
    async_timeline: Timeline = field(repr=False)
    sync_result: Any = field(repr=False)
    async_result: Any = field(repr=False)
    labels: tuple[str, str] = ("sync", "async")

    def summary(self) -> str:
        """``"sync 0.90 s, async 0.31 s: async 2.9x faster"``."""
        a, b = self.labels
        head = f"{a} {self.sync_seconds:.2f} s, {b} {self.async_seconds:.2f} s"
        if self.speedup >= 1:
            return f"{head}: {b} {self.speedup:.1f}x faster"
        return f"{head}: {b} {_ratio(1.0, self.speedup):.1f}x slower"

    def __repr__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        return f"<b>{html.escape(self.summary())}</b> <small>(course seconds)</small>"

    def plot(self, **kwargs: Any) -> Any:
        """Both timelines on one time axis, plus the wall-time bars."""
        from .plots import plot_comparison

        return plot_comparison(self.sync_timeline, self.async_timeline, labels=self.labels,
                               speedup=True, **kwargs)


class Timings(dict[str, float]):
    """Wall time (course seconds) per label from :func:`compare_many`, with the timelines.

    Introduced in lesson 02.
    """

    def __init__(self, seconds: Mapping[str, float], timelines: Mapping[str, Timeline],
                 results: Mapping[str, Any]) -> None:
        super().__init__(seconds)
        self.timelines = dict(timelines)
        self.results = dict(results)

    @property
    def fastest(self) -> str:
        """The label with the smallest wall time."""
        return min(self, key=self.__getitem__)

    def speedup(self, label: str, baseline: str | None = None) -> float:
        """How many times faster ``label`` ran than ``baseline`` (default: the first entry)."""
        base = baseline if baseline is not None else next(iter(self))
        return _ratio(self[base], self[label])

    def plot(self, **kwargs: Any) -> Any:
        """All timelines stacked on a shared time axis, plus the wall-time bars."""
        from .plots import plot_comparison

        return plot_comparison(*self.timelines.values(), labels=list(self.timelines),
                               speedup=True, **kwargs)

    def __repr__(self) -> str:
        parts = [f"{k} {v:.2f} s" for k, v in self.items()]
        return ", ".join(parts) + (f" (fastest: {self.fastest})" if self else "")


def _ensure_row(tl: Timeline, label: str, t0: float, t1: float) -> None:
    # Plain blocking code creates no tasks; without a row its timeline would plot empty.
    if not tl._recs:
        tl._add_span(label, t0, t1)


def _name(fn: Any) -> str:
    return getattr(fn, "__name__", None) or type(fn).__name__


def _run_sync(fn: Callable[[], Any], label: str) -> tuple[Timeline, Any]:
    if inspect.iscoroutinefunction(fn):
        raise TypeError(f"{_name(fn)} is an async function; pass it as the async side")
    with Timeline(label) as tl:
        t0 = perf_counter()
        result = fn()
        t1 = perf_counter()
        if inspect.isawaitable(result):
            if inspect.iscoroutine(result):
                result.close()
            raise TypeError(f"{_name(fn)}() returned an awaitable; the sync side must block")
        _ensure_row(tl, _name(fn) if _name(fn) != "<lambda>" else label, t0, t1)
    return tl, result


async def _run_any(fn: Any, label: str) -> tuple[Timeline, Any]:
    async with Timeline(label) as tl:
        t0 = perf_counter()
        result = fn() if callable(fn) else fn
        if inspect.iscoroutine(result):
            # An async function that awaits its calls one by one creates no task; tracing its
            # coroutine gives it a row. If it did spawn tasks, they tell the story: drop the row.
            first = len(tl._recs)
            result = await tl.trace(result, _name(fn) if _name(fn) != "<lambda>" else label)
            if len(tl._recs) > first + 1:
                del tl._recs[first]
                tl._cache = None
        elif inspect.isawaitable(result):
            result = await result
        else:
            _ensure_row(tl, _name(fn) if _name(fn) != "<lambda>" else label, t0, perf_counter())
    return tl, result


async def compare(sync_fn: Callable[[], Any], async_fn: Callable[[], Awaitable[Any]], *,
                  labels: tuple[str, str] = ("sync", "async"), plot: bool = False) -> Comparison:
    """Time ``sync_fn()`` (blocking, on this thread) then ``await async_fn()``; compare them.

    Each run is recorded in its own Timeline. ``plot=True`` also displays ``result.plot()``
    in a notebook. Introduced in lesson 02.
    """
    sync_tl, sync_result = _run_sync(sync_fn, labels[0])
    async_tl, async_result = await _run_any(async_fn, labels[1])
    result = Comparison(
        sync_seconds=sync_tl.elapsed,
        async_seconds=async_tl.elapsed,
        speedup=_ratio(sync_tl.elapsed, async_tl.elapsed),
        sync_timeline=sync_tl,
        async_timeline=async_tl,
        sync_result=sync_result,
        async_result=async_result,
        labels=(labels[0], labels[1]),
    )
    if plot:
        _display(result.plot())
    return result


async def compare_many(variants: Mapping[str, Callable[[], Any]], *,
                       plot: bool = False) -> Timings:
    """Run each variant (sync or async callable) in turn; wall time per label.

    ``timings.speedup("gather")`` compares against the first variant. Introduced in lesson 02.
    """
    seconds: dict[str, float] = {}
    timelines: dict[str, Timeline] = {}
    results: dict[str, Any] = {}
    for label, fn in variants.items():
        tl, results[label] = await _run_any(fn, label)
        timelines[label] = tl
        seconds[label] = tl.elapsed
    timings = Timings(seconds, timelines, results)
    if plot:
        _display(timings.plot())
    return timings


def _display(fig: Any) -> None:
    # Only inside IPython: a script has nowhere to show it, and the caller can still .plot().
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:
        return
    if get_ipython() is not None:
        display(fig)
