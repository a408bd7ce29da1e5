"""The cancellation flow as a picture (introduced in lesson 09).

>>> from course_utils.cancel_flow import draw_cancel_flow
>>> draw_cancel_flow()          # a Figure: deadline -> cancel -> CancelledError -> finally -> TimeoutError

The figure only draws the steps; lesson 09 runs them in the cell after it and asserts their order.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover - typing only
    from matplotlib.figure import Figure

__all__ = ["STEPS", "draw_cancel_flow"]

#: (who acts, what happens, the code where it happens), in the order asyncio does it.
STEPS = (
    ("event loop", "the deadline passes", "the timer set by\nasyncio.timeout(2)"),
    ("timeout", "asks for cancellation", "task.cancel()"),
    ("your task", "CancelledError is raised\nat the suspended await", "await llm.complete(...)"),
    ("your task", "cleanup runs on the way out", "finally: / async with exits"),
    ("timeout", "recognises its own cancellation\nand turns it into TimeoutError",
     "async with asyncio.timeout(2):\nexits"),
    ("your code", "handles the deadline", "except TimeoutError:"),
)

_LANE_COLOURS = {"event loop": "#D9D9D9", "timeout": "#CC79A7", "your task": "#0072B2",
                 "your code": "#009E73"}


def draw_cancel_flow() -> "Figure":
    """Six boxes, top to bottom, in the order asyncio runs them when a timeout fires."""
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

    from .plots import _new_figure

    fig = _new_figure(8.5, 5.2)
    ax = fig.add_subplot()
    ax.set_xlim(0, 10)
    ax.set_ylim(-0.6, len(STEPS) - 0.2)
    ax.axis("off")
    for i, (who, what, where) in enumerate(STEPS):
        y = len(STEPS) - 1 - i
        colour = _LANE_COLOURS[who]
        ax.add_patch(FancyBboxPatch((0.2, y - 0.32), 1.9, 0.64, boxstyle="round,pad=0.02",
                                    facecolor=colour, edgecolor="none", alpha=0.9))
        ax.text(1.15, y, who, ha="center", va="center", fontsize=9,
                color="white" if who in ("your task", "your code", "timeout") else "black")
        ax.add_patch(FancyBboxPatch((2.4, y - 0.34), 4.2, 0.68, boxstyle="round,pad=0.02",
                                    facecolor="white", edgecolor=colour, linewidth=1.5))
        ax.text(2.55, y, f"{i + 1}. {what}", ha="left", va="center", fontsize=9)
        ax.text(6.85, y, where, ha="left", va="center", fontsize=8.5, family="monospace",
                color="#333333")
        if i < len(STEPS) - 1:
            ax.add_patch(FancyArrowPatch((4.5, y - 0.36), (4.5, y - 0.64), arrowstyle="-|>",
                                         mutation_scale=12, color="#555555"))
    ax.set_title("What happens when a timeout fires: nothing is killed, the task is cancelled",
                 fontsize=10)
    return fig
