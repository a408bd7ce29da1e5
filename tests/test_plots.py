"""Figures: right pieces, no pyplot state, and fast enough for 1,000 tasks."""

from __future__ import annotations

import os

os.environ.setdefault("MPLBACKEND", "Agg")  # before anything imports matplotlib

import asyncio
import time

import matplotlib
import pytest
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure

from course_utils import clock, plots, tracing
from course_utils.comparison import compare
from course_utils.lag import LagMonitor
from course_utils.tracing import Timeline

matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def fast_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COURSE_TIME_SCALE", "0.05")


async def flaky(i: int) -> None:
    await clock.sleep(0.05)
    if i == 0:
        tracing.mark("429")
        tracing.mark("retry")
    await clock.sleep(0.05)


async def small_timeline() -> Timeline:
    async def blocker() -> None:
        await clock.sleep(0.02)
        clock.sleep_blocking(0.1)

    async with Timeline() as tl:
        await asyncio.gather(*(flaky(i) for i in range(4)), blocker())
    return tl


def polys(ax) -> list[PolyCollection]:  # type: ignore[no-untyped-def]
    return [c for c in ax.collections if isinstance(c, PolyCollection)]


def legend_labels(ax) -> list[str]:  # type: ignore[no-untyped-def]
    return [t.get_text() for t in ax.get_legend().get_texts()]


async def test_plot_timeline_one_collection_per_state_and_a_legend() -> None:
    tl = await small_timeline()
    fig = plots.plot_timeline(tl, title="demo")
    assert isinstance(fig, Figure)
    (ax,) = fig.axes
    collections = polys(ax)
    assert len(collections) == 3
    n_segments = sum(len(t.segments) for t in tl.tasks)
    assert sum(len(c.get_paths()) for c in collections) == n_segments
    by_state = {s: 0 for s in tracing.STATES}
    for task in tl.tasks:
        for seg in task.segments:
            by_state[seg.state] += 1
    assert [len(c.get_paths()) for c in collections] == [by_state[s] for s in plots.STATE_COLORS]
    assert by_state["queued"] > 0  # the blocker held the others up
    labels = legend_labels(ax)
    assert len(labels) == 5 and labels[3:] == ["429", "retry"]
    assert ax.get_title() == "demo"
    assert [t.get_text() for t in ax.get_yticklabels()][:1] == ["flaky"]
    assert ax.get_xlim()[1] >= tl.elapsed
    fig.canvas.draw()


async def test_running_slivers_are_drawn_wide_enough_to_see() -> None:
    async with Timeline() as tl:
        await asyncio.gather(*(clock.sleep(0.3) for _ in range(3)))
    busy = tl.busy_time  # a few steps of microseconds each
    fig = plots.plot_timeline(tl)
    (ax,) = fig.axes
    running = polys(ax)[list(plots.STATE_COLORS).index("running")]
    width = ax.get_xlim()[1]
    for path in running.get_paths():
        xs = path.vertices[:, 0]
        assert xs.max() - xs.min() >= 0.004 * width  # visible, not a hairline
    assert running.get_zorder() > polys(ax)[1].get_zorder()  # drawn over the waiting bar
    assert tl.busy_time == busy  # only the drawing is widened, not the figures


async def test_plot_does_not_touch_pyplot_state() -> None:
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    plots.plot_timeline(await small_timeline())
    assert plt.get_fignums() == before


async def test_thousand_tasks_draw_quickly() -> None:
    async with Timeline() as tl:
        await asyncio.gather(*(clock.sleep(0.1) for _ in range(1000)))
    plots.plot_timeline(Timeline())  # warm-up: imports and font cache are not the chart's cost
    t0 = time.perf_counter()
    fig = plots.plot_timeline(tl)
    fig.canvas.draw()
    elapsed = time.perf_counter() - t0
    assert len(tl.tasks) == 1000
    assert len(polys(fig.axes[0])) == 3
    assert elapsed < 2.0, f"1,000-task timeline took {elapsed:.2f} s (target 1 s)"


async def test_max_rows_caps_the_chart() -> None:
    tl = await small_timeline()
    fig = plots.plot_timeline(tl, max_rows=2)
    ax = fig.axes[0]
    assert "first 2 of 5" in ax.get_title()
    assert ax.get_ylim() == (1.5, -0.5)


async def test_plot_comparison_shares_the_time_axis() -> None:
    fast = await small_timeline()
    with Timeline() as slow:
        with slow.span("sequential"):
            clock.sleep_blocking(0.3)
    fig = plots.plot_comparison(slow, fast, labels=["sync", "async"])
    top, bottom = fig.axes
    assert top.get_xlim() == bottom.get_xlim()
    assert top.get_xlim()[1] >= slow.elapsed
    assert top.get_title() == f"sync: wall {slow.elapsed:.2f} s" and slow.elapsed >= 0.3
    assert bottom.get_title().startswith("async: wall")
    assert top.get_legend() is not None and bottom.get_legend() is None
    with pytest.raises(ValueError):
        plots.plot_comparison(slow, fast, labels=["only one"])


def test_plot_speedup_annotates_ratio() -> None:
    fig = plots.plot_speedup({"sync": 0.9, "async": 0.3, "threads": 0.45})
    (ax,) = fig.axes
    assert len(ax.patches) == 3
    notes = [t.get_text() for t in ax.texts]
    assert notes[0] == "0.90 s"
    assert "3.0x faster" in notes[1] and "2.0x faster" in notes[2]


async def test_plot_concurrency_with_limit() -> None:
    sem = asyncio.Semaphore(2)

    async def limited() -> None:
        async with sem:
            await clock.sleep(0.05)

    async with Timeline() as tl:
        await asyncio.gather(*(limited() for _ in range(5)))
    fig = plots.plot_concurrency(tl, limit=2)
    (ax,) = fig.axes
    step, limit_line = ax.lines
    assert max(step.get_ydata()) == tl.peak_concurrency == 5  # all 5 alive, 2 at a time running
    assert list(limit_line.get_ydata()) == [2, 2]
    assert "limit = 2" in legend_labels(ax)


async def test_plot_lag_has_threshold_and_spike() -> None:
    async with LagMonitor(threshold=0.1) as lag:
        await clock.sleep(0.05)
        clock.sleep_blocking(0.3)
        await clock.sleep(0.05)
    fig = lag.plot()
    (ax,) = fig.axes
    samples, threshold = ax.lines
    assert list(threshold.get_ydata()) == [lag.effective_threshold] * 2
    assert max(samples.get_ydata()) >= 0.25
    assert len(ax.patches) == len(lag.spikes) >= 1
    assert "blocking detected" in ax.get_title()


async def test_comparison_and_timeline_plot_methods() -> None:
    result = await compare(lambda: [clock.sleep_blocking(0.05) for _ in range(3)],
                           lambda: asyncio.gather(*(clock.sleep(0.05) for _ in range(3))))
    fig = result.plot()
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 3  # two timelines and the wall-time bars
    assert len(fig.axes[2].patches) == 2
    assert isinstance(result.async_timeline.plot(), Figure)
    fig.canvas.draw()


async def test_comparison_legend_lists_marks_from_every_panel():
    from course_utils import plots

    async with Timeline() as quiet:
        await asyncio.sleep(0)
    async with Timeline() as noisy:
        async def failing():
            tracing.mark("error", "boom")
        await asyncio.gather(failing())
    fig = plots.plot_comparison(quiet, noisy, labels=["quiet", "noisy"])
    texts = [t.get_text() for ax in fig.axes if ax.get_legend() for t in ax.get_legend().get_texts()]
    assert "error" in texts
