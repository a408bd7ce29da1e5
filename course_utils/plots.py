"""Figures for timelines, comparisons, concurrency and loop lag (introduced in lesson 02).

Every function returns a :class:`matplotlib.figure.Figure` (displayed by Jupyter when it is a
cell's value) and never calls ``plt.show()``. matplotlib is imported inside the functions so
``import course_utils`` stays light. Times on every axis are course seconds.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any, Mapping, Sequence

if TYPE_CHECKING:  # pragma: no cover - typing only
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from .comparison import Comparison
    from .lag import LagMonitor
    from .tracing import Timeline

__all__ = ["plot_timeline", "plot_comparison", "plot_speedup", "plot_concurrency", "plot_lag",
           "STATE_COLORS"]

# Okabe-Ito colours: blue, light grey and vermillion stay distinct for every common form of
# colour blindness, and "red means something held you up" matches the lessons' wording.
STATE_COLORS = {"running": "#0072B2", "waiting": "#D9D9D9", "queued": "#D55E00"}
_STATE_LABELS = {"running": "running", "waiting": "waiting (awaiting I/O)",
                 "queued": "queued (ready, loop busy)"}
# kind -> (marker, colour); shape carries the meaning as well as colour.
_MARK_STYLES = {
    "429": ("x", "#B2182B"), "error": ("x", "#B2182B"), "retry": ("^", "#009E73"),
    "timeout": ("v", "#CC79A7"), "cancel": ("s", "#000000"),
}
_DEFAULT_MARK = ("o", "#000000")
# Beyond this many rows, task names would overlap; rows are numbered instead.
_MAX_NAMED_ROWS = 40
#: Narrowest drawn "running" segment, as a fraction of the time axis (about 4 px at 9 inches):
#: only the drawing is widened, never the figures a timeline reports.
_MIN_RUNNING_WIDTH = 0.005


_display_ready = False


def _ensure_notebook_display() -> None:
    """Make IPython render a bare Figure that is a cell's value.

    pyplot normally registers that formatter when the inline backend loads, but these figures
    never touch pyplot, so in a fresh kernel the cell would print ``<Figure size ...>``.
    """
    global _display_ready
    if _display_ready or "IPython" not in sys.modules:
        return
    from IPython import get_ipython
    from matplotlib.figure import Figure

    shell = get_ipython()
    if shell is None or not hasattr(shell, "display_formatter"):
        return

    def registered() -> bool:
        return any(Figure in f.type_printers for f in shell.display_formatter.formatters.values())

    if not registered():
        try:
            # Loading the inline backend applies the user's InlineBackend settings (retina,
            # svg, ...) when inline is the configured backend; otherwise it does nothing.
            import matplotlib_inline.backend_inline  # noqa: F401
        except ImportError:
            pass
    if not registered():
        from IPython.core.pylabtools import select_figure_formats

        select_figure_formats(shell, {"png"}, bbox_inches="tight")
    _display_ready = True


def _new_figure(width: float, height: float) -> "Figure":
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    _ensure_notebook_display()
    # A bare Figure (not pyplot) is not tracked by pyplot, so notebooks show it once (as the
    # cell's value) and hundreds of figures in a test run do not leak; the Agg canvas makes
    # fig.canvas.draw() and savefig work headless.
    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _rows_height(rows: int) -> float:
    return min(max(1.6, 0.28 * rows + 1.2), 7.0)


def _draw_timeline(ax: "Axes", timeline: "Timeline", title: str | None, max_rows: int | None,
                   legend: bool = True, xmax: float | None = None) -> list[Any]:
    import numpy as np
    from matplotlib.collections import PolyCollection
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    tasks = timeline.tasks
    shown = tasks if max_rows is None else tasks[:max_rows]
    n = len(shown)
    per_state: dict[str, list[tuple[float, float, int]]] = {s: [] for s in STATE_COLORS}
    for row, task in enumerate(shown):
        for seg in task.segments:
            per_state[seg.state].append((seg.start, seg.end, row))

    end = max([timeline.elapsed] + [t.end for t in shown])
    right = xmax if xmax is not None else max(end, 1e-9) * 1.02
    height = 0.8
    for state, spans in per_state.items():
        # One collection per state: thousands of separate bars would take seconds to draw.
        if spans:
            arr = np.asarray(spans, dtype=float)
            x0, x1, y = arr[:, 0], arr[:, 1], arr[:, 2] - height / 2
            if state == "running":
                # A task's steps often last microseconds: drawn to scale they vanish, and the
                # lessons point at them. Each is drawn at least _MIN_RUNNING_WIDTH of the axis.
                x1 = np.maximum(x1, x0 + _MIN_RUNNING_WIDTH * right)
            verts = np.stack([np.stack([x0, y], 1), np.stack([x0, y + height], 1),
                              np.stack([x1, y + height], 1), np.stack([x1, y], 1)], axis=1)
        else:
            verts = np.zeros((0, 4, 2))
        edge = "#999999" if state == "waiting" else "none"
        coll = PolyCollection(verts, facecolors=STATE_COLORS[state], edgecolors=edge,
                              linewidths=0.3 if n <= _MAX_NAMED_ROWS else 0.0,
                              label=_STATE_LABELS[state],
                              zorder=2.5 if state == "running" else 2.0)  # slivers on top
        ax.add_collection(coll)

    handles: list[Any] = [Patch(facecolor=STATE_COLORS[s], edgecolor="#999999",
                                label=_STATE_LABELS[s]) for s in STATE_COLORS]
    by_kind: dict[str, tuple[list[float], list[int]]] = {}
    for row, task in enumerate(shown):
        for m in task.marks:
            xs, ys = by_kind.setdefault(m.kind, ([], []))
            xs.append(m.time)
            ys.append(row)
    for kind, (xs, ys) in by_kind.items():
        marker, colour = _MARK_STYLES.get(kind, _DEFAULT_MARK)
        ax.scatter(xs, ys, marker=marker, c=colour, s=36, zorder=3, linewidths=1.5)
        handles.append(Line2D([], [], linestyle="none", marker=marker, color=colour,
                              markersize=7, label=kind))

    ax.set_xlim(0.0, right)
    ax.set_ylim(n - 0.5 if n else 0.5, -0.5)  # first task on top
    if n <= _MAX_NAMED_ROWS:
        ax.set_yticks(range(n), [t.label for t in shown], fontsize=8)
    else:
        ax.set_ylabel("task #")
    ax.set_xlabel("time (course seconds)")
    ax.grid(axis="x", alpha=0.3)
    if title is None:
        title = f"{len(tasks)} tasks, wall {timeline.elapsed:.2f} s"
    if len(shown) < len(tasks):
        title += f" (first {len(shown)} of {len(tasks)} shown)"
    ax.set_title(title, fontsize=10)
    if legend:
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8,
                  frameon=False)
    return handles


def plot_timeline(timeline: "Timeline", ax: "Axes | None" = None, title: str | None = None,
                  max_rows: int | None = 1000) -> "Figure":
    """Gantt chart: one row per task, coloured running / waiting / queued, marks as symbols.

    ``max_rows`` caps the rows drawn (the title says so when it cuts). Introduced in lesson 02.
    """
    if ax is None:
        rows = len(timeline.tasks) if max_rows is None else min(len(timeline.tasks), max_rows)
        fig = _new_figure(9.0, _rows_height(rows))
        ax = fig.add_subplot()
    _draw_timeline(ax, timeline, title, max_rows)
    return ax.figure  # type: ignore[return-value]


def plot_comparison(*timelines: "Timeline", labels: Sequence[str] | None = None,
                    title: str | None = None, max_rows: int | None = 200,
                    speedup: bool = False) -> "Figure":
    """Timelines stacked on one shared time axis (e.g. sync vs async), each titled with its wall.

    ``speedup=True`` adds a bar chart of the wall times beside them. Introduced in lesson 02.
    """
    if not timelines:
        raise ValueError("plot_comparison needs at least one Timeline")
    labels = list(labels) if labels is not None else [f"run {i + 1}" for i in range(len(timelines))]
    if len(labels) != len(timelines):
        raise ValueError(f"got {len(timelines)} timelines but {len(labels)} labels")
    rows = [max(1, min(len(t.tasks), max_rows or len(t.tasks))) for t in timelines]
    ratios = [min(max(r, 2), 30) for r in rows]
    fig = _new_figure(11.0 if speedup else 9.0,
                      min(sum(_rows_height(r) for r in rows), 10.0))
    grid = fig.add_gridspec(len(timelines), 2 if speedup else 1, height_ratios=ratios,
                            width_ratios=[3, 1] if speedup else None)
    xmax = max(max([t.elapsed] + [task.end for task in t.tasks]) for t in timelines) * 1.02
    first: Any = None
    handles: dict[str, Any] = {}
    for i, (tl, label) in enumerate(zip(timelines, labels)):
        ax = fig.add_subplot(grid[i, 0], sharex=first)
        first = first or ax
        for handle in _draw_timeline(ax, tl, f"{label}: wall {tl.elapsed:.2f} s", max_rows,
                                     legend=False, xmax=xmax):
            handles.setdefault(handle.get_label(), handle)  # a mark seen in any panel gets a key
        if i < len(timelines) - 1:
            ax.set_xlabel("")
    first.legend(handles=list(handles.values()), loc="upper left", bbox_to_anchor=(1.01, 1.0),
                 fontsize=8, frameon=False)
    if speedup:
        bar_ax = fig.add_subplot(grid[:, 1])
        _draw_speedup(bar_ax, {label: tl.elapsed for tl, label in zip(timelines, labels)})
    if title:
        fig.suptitle(title)
    return fig


def _as_results(results: "Mapping[str, float] | Comparison") -> dict[str, float]:
    if isinstance(results, Mapping):
        return {str(k): float(v) for k, v in results.items()}
    sync_label, async_label = getattr(results, "labels", ("sync", "async"))
    return {sync_label: results.sync_seconds, async_label: results.async_seconds}


def _draw_speedup(ax: "Axes", data: dict[str, float]) -> None:
    names = list(data)
    values = [data[k] for k in names]
    baseline = values[0] if values else 0.0
    colours = ["#999999"] + ["#0072B2"] * (len(values) - 1)
    bars = ax.bar(names, values, color=colours)
    top = max(values, default=1.0) or 1.0
    for bar, value in zip(bars, values):
        # Ratios are against the first entry (the baseline, e.g. "sync").
        note = f"{value:.2f} s"
        if bar is not bars[0] and value > 0:
            note += f"\n{baseline / value:.1f}x faster" if baseline >= value else \
                f"\n{value / baseline:.1f}x slower"
        ax.annotate(note, (bar.get_x() + bar.get_width() / 2, value), ha="center",
                    va="bottom", fontsize=8, xytext=(0, 2), textcoords="offset points")
    ax.set_ylim(0, top * 1.3)
    ax.set_ylabel("wall time (course seconds)")
    ax.set_title("wall time", fontsize=10)
    ax.tick_params(axis="x", labelsize=8)


def plot_speedup(results: "Mapping[str, float] | Comparison", ax: "Axes | None" = None,
                 title: str | None = None) -> "Figure":
    """Bar chart of wall times, each annotated with its ratio to the first. Introduced in lesson 02."""
    data = _as_results(results)
    if ax is None:
        fig = _new_figure(max(3.5, 1.2 * len(data) + 1.5), 3.2)
        ax = fig.add_subplot()
    _draw_speedup(ax, data)
    if title:
        ax.set_title(title, fontsize=10)
    return ax.figure  # type: ignore[return-value]


def plot_concurrency(timeline: "Timeline", ax: "Axes | None" = None, limit: float | None = None,
                     title: str | None = None) -> "Figure":
    """How many tasks were alive at each moment, with an optional ``limit`` line.

    Introduced in lesson 06, where semaphores cap concurrency.
    """
    if ax is None:
        fig = _new_figure(8.0, 3.0)
        ax = fig.add_subplot()
    times, counts = timeline.concurrency()
    times = list(times) + [max(timeline.elapsed, times[-1])]
    counts = list(counts) + [counts[-1]]
    ax.step(times, counts, where="post", color="#0072B2", label="tasks in flight")
    if limit is not None:
        ax.axhline(limit, color="#D55E00", linestyle="--", label=f"limit = {limit:g}")
    ax.set_xlim(0, max(times[-1], 1e-9))
    ax.set_ylim(0, max(max(counts), limit or 0) * 1.15 + 0.5)
    ax.set_xlabel("time (course seconds)")
    ax.set_ylabel("tasks in flight")
    ax.set_title(title or f"peak concurrency {max(counts)}", fontsize=10)
    ax.legend(loc="upper right", fontsize=8)
    ax.grid(alpha=0.3)
    return ax.figure  # type: ignore[return-value]


def plot_lag(monitor: "LagMonitor", ax: "Axes | None" = None, title: str | None = None) -> "Figure":
    """Event-loop lag per heartbeat, with the blocking threshold. Introduced in lesson 11."""
    if ax is None:
        fig = _new_figure(8.0, 3.0)
        ax = fig.add_subplot()
    samples = monitor.samples
    xs = [t for t, _ in samples]
    ys = [lag for _, lag in samples]
    ax.plot(xs, ys, color="#0072B2", linewidth=1, marker=".", markersize=3, label="lag")
    threshold = monitor.effective_threshold
    ax.axhline(threshold, color="#D55E00", linestyle="--",
               label=f"threshold {round(threshold, 3):g} s")
    for start, duration in monitor.spikes:
        ax.axvspan(start, start + duration, color="#D55E00", alpha=0.15, linewidth=0)
    ax.set_xlabel("time (course seconds)")
    ax.set_ylabel("lag (course seconds)")
    ax.set_ylim(0, max(ys + [threshold]) * 1.2)
    ax.set_title(title or monitor.report(), fontsize=10)
    ax.legend(loc="upper right", fontsize=8)
    ax.grid(alpha=0.3)
    return ax.figure  # type: ignore[return-value]
