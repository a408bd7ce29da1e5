"""Timing figures for the tracer and the Gantt plot, imported by the benchmark script.

``tracer_overhead()`` -> traced / untraced wall time, 1,000 tasks sleeping 0.2 s at scale 1
(target <= 1.05). ``plot_1000_s()`` -> real seconds to build and draw a 1,000-task timeline
on Agg (target <= 1.0).
"""

from __future__ import annotations

import asyncio
import os
import time
from contextlib import contextmanager
from typing import Iterator

N_TASKS = 1000


@contextmanager
def _time_scale(scale: str) -> Iterator[None]:
    old = os.environ.get("COURSE_TIME_SCALE")
    os.environ["COURSE_TIME_SCALE"] = scale
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("COURSE_TIME_SCALE", None)
        else:
            os.environ["COURSE_TIME_SCALE"] = old


async def _worker(i: int, sleep: float) -> int:
    from course_utils import clock

    # Half the tasks sleep once, half twice, so both first-step and later-step costs count.
    if i % 2:
        await clock.sleep(sleep)
    else:
        await clock.sleep(sleep / 2)
        await clock.sleep(sleep / 2)
    return i


async def _run_batch(n: int, sleep: float, traced: bool) -> float:
    from course_utils.tracing import Timeline

    t0 = time.perf_counter()
    if traced:
        async with Timeline():
            await asyncio.gather(*(_worker(i, sleep) for i in range(n)))
    else:
        await asyncio.gather(*(_worker(i, sleep) for i in range(n)))
    return time.perf_counter() - t0


def tracer_overhead(n: int = N_TASKS, sleep: float = 0.2, repeats: int = 7) -> float:
    """Best traced wall / best untraced wall for ``n`` tasks each sleeping ``sleep`` course s."""

    async def main() -> float:
        await _run_batch(n, sleep, False)  # warm-up: first-call costs belong to neither side
        await _run_batch(n, sleep, True)
        plain, traced = [], []
        for _ in range(repeats):  # interleaved, so drift in machine load hits both sides
            plain.append(await _run_batch(n, sleep, False))
            traced.append(await _run_batch(n, sleep, True))
        return min(traced) / min(plain)

    with _time_scale("1"):
        return asyncio.run(main())


def plot_1000_s(n: int = N_TASKS) -> float:
    """Real seconds to build (incl. converting the records) and draw an ``n``-task Gantt chart."""
    os.environ.setdefault("MPLBACKEND", "Agg")
    from course_utils.plots import plot_timeline
    from course_utils.tracing import Timeline

    async def record() -> Timeline:
        async with Timeline() as tl:
            await asyncio.gather(*(_worker(i, 0.2) for i in range(n)))
        return tl

    with _time_scale("0.05"):
        tl = asyncio.run(record())
        plot_timeline(Timeline())  # import matplotlib and warm font caches outside the timing
        t0 = time.perf_counter()
        fig = plot_timeline(tl)
        fig.canvas.draw()
        return time.perf_counter() - t0


if __name__ == "__main__":
    print(f"tracer overhead: {tracer_overhead():.3f}x  (target <= 1.05)")
    print(f"1,000-task plot: {plot_1000_s():.3f} s  (target <= 1.0)")
