"""Pictures for queues, pools and pipelines (introduced in lesson 11).

>>> draw_pipeline([("validate", 1), ("summarize", 2), ("analyze", 2)], queue_size=4)
>>> plot_queue_depth({"unbounded": run1, "maxsize=3": run2})   # runs: {"depth": [(t, n)], "done_at": t}
>>> plot_journeys(timeline, ["summarize", "analyze"])          # rows labelled "<stage> #<item>"

Each returns a matplotlib Figure (the cell's value displays it). Times are course seconds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping, Sequence

if TYPE_CHECKING:  # pragma: no cover - typing only
    from matplotlib.figure import Figure

    from .tracing import Timeline

__all__ = ["draw_pipeline", "plot_queue_depth", "plot_journeys", "journeys"]

_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9")


def draw_pipeline(stages: Sequence[tuple[str, int]], queue_size: int | None = None,
                  title: str | None = None) -> "Figure":
    """Boxes (stages, with their workers) joined by queues, from the feeder to the results."""
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Rectangle

    from .plots import _new_figure

    n = len(stages)
    fig = _new_figure(1.9 * (2 * n + 1) * 0.62 + 1, 2.6)
    ax = fig.add_subplot()
    width = 2 * n + 1
    ax.set_xlim(-0.6, width * 1.3 + 0.4)
    ax.set_ylim(-0.95, 1.35)
    ax.axis("off")
    x = 0.0
    slots = queue_size if queue_size else 6

    def queue_at(x: float, label: str) -> None:
        for k in range(min(slots, 6)):
            ax.add_patch(Rectangle((x + k * 0.16, -0.18), 0.14, 0.36, facecolor="white",
                                   edgecolor="#555555", linewidth=1))
        ax.text(x + 0.45, -0.45, label, ha="center", va="top", fontsize=8, color="#333333")

    def arrow(x0: float, x1: float) -> None:
        ax.add_patch(FancyArrowPatch((x0, 0), (x1, 0), arrowstyle="-|>", mutation_scale=12,
                                     color="#555555"))

    ax.text(x, 0, "feeder", ha="center", va="center", fontsize=9)
    x += 0.45
    size = f"maxsize={queue_size}" if queue_size else "unbounded"
    for i, (name, workers) in enumerate(stages):
        arrow(x, x + 0.25)
        queue_at(x + 0.3, f"queue {i}\n{size}")
        x += 0.3 + 0.16 * min(slots, 6) + 0.05
        arrow(x, x + 0.3)
        x += 0.35
        colour = _COLOURS[i % len(_COLOURS)]
        ax.add_patch(FancyBboxPatch((x, -0.55), 1.5, 1.1, boxstyle="round,pad=0.03",
                                    facecolor=colour, edgecolor="none", alpha=0.85))
        ax.text(x + 0.75, 0.18, name, ha="center", va="center", fontsize=10, color="white",
                weight="bold")
        ax.text(x + 0.75, -0.2, f"{workers} worker{'s' if workers != 1 else ''}", ha="center",
                va="center", fontsize=8.5, color="white")
        x += 1.55
    arrow(x, x + 0.25)
    queue_at(x + 0.3, f"queue {n}\n{size}")
    x += 0.3 + 0.16 * min(slots, 6) + 0.05
    arrow(x, x + 0.3)
    ax.text(x + 0.45, 0, "results", ha="left", va="center", fontsize=9)
    ax.set_xlim(-0.5, x + 1.4)
    ax.text(-0.4, 1.15, "each stage's workers take items from the queue on their left and put "
            "results on the queue on their right;", fontsize=8.5, color="#333333")
    ax.text(-0.4, 0.85, "when a stage runs out of work it puts one sentinel (DONE) per worker of "
            "the next stage", fontsize=8.5, color="#333333")
    ax.set_title(title or "A pipeline: stages joined by bounded queues", fontsize=10)
    return fig


def plot_queue_depth(runs: Mapping[str, Mapping[str, Any]], title: str | None = None) -> "Figure":
    """Queue depth over time per run (``depth``: [(t, items)]), dotted where ``done_at`` is."""
    from .plots import _new_figure

    fig = _new_figure(8, 3)
    ax = fig.add_subplot()
    for (label, run), colour in zip(runs.items(), ("#D55E00", "#0072B2", "#009E73")):
        ax.step(*zip(*run["depth"]), where="post", label=label, color=colour)
        if "done_at" in run:
            ax.axvline(run["done_at"], color=colour, linestyle=":", linewidth=1)
    ax.set(xlabel="time (course seconds)", ylabel="items waiting in the queue",
           title=title or "Queue depth over time (dotted: the producer finished)")
    ax.legend(fontsize=8)
    return fig


def journeys(timeline: "Timeline", stages: Sequence[str]) -> dict[str, list[tuple[int, float, float]]]:
    """{stage: [(item, start, end)]} from timeline rows labelled ``"<stage> #<item>"``."""
    found: dict[str, list[tuple[int, float, float]]] = {stage: [] for stage in stages}
    for row in timeline.tasks:
        stage, sep, item = row.label.partition(" #")
        if sep and stage in found and item.isdigit():
            found[stage].append((int(item), row.start, row.end))
    return found


def plot_journeys(timeline: "Timeline", stages: Sequence[str], title: str | None = None) -> "Figure":
    """One row per item: a bar per stage it went through."""
    from .plots import _new_figure

    spans = journeys(timeline, stages)
    items = sorted({i for rows in spans.values() for i, _, _ in rows})
    fig = _new_figure(8, min(1.2 + 0.25 * len(items), 6))
    ax = fig.add_subplot()
    for (stage, rows), colour in zip(spans.items(), _COLOURS):
        ax.barh([i for i, _, _ in rows], [e - s for _, s, e in rows], left=[s for _, s, _ in rows],
                color=colour, label=stage, height=0.7)
    ax.set(xlabel="time (course seconds)", ylabel="item", yticks=items,
           title=title or "Each item's journey through the stages")
    ax.set_xlim(0, timeline.elapsed * 1.02)
    ax.invert_yaxis()
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    ax.grid(axis="x", alpha=0.3)
    return fig
