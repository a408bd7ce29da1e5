"""A toy event loop (ready queue, timer heap, selector) that draws itself step by step.

Lesson 03 uses it to step through its predict-the-order cell: :func:`predict_the_order` replays
that cell on :class:`ToyLoop`, which follows asyncio's rules (the ready queue is first in, first
out; timers fire by deadline; the selector waits until the next timer is due, and not at all
while something is ready). The lesson checks that the toy's order equals the real loop's, so
the picture is a faithful model, not an illustration. Introduced in lesson 03.
"""

from __future__ import annotations

import heapq
import itertools
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["Snapshot", "ToyLoop", "predict_the_order", "plot_steps"]


@dataclass(frozen=True)
class Snapshot:
    """The loop's state right after one step ran."""

    time: float
    ran: str                       # the callback that just ran
    ready: tuple[str, ...]         # the ready queue, front first
    timers: tuple[tuple[float, str], ...]  # (deadline, callback), soonest first
    select_timeout: float | None   # how long select() will wait next (None: nothing left)
    output: tuple[str, ...]        # the lines appended so far


@dataclass
class ToyLoop:
    """Just the scheduling rules of asyncio's loop; callbacks are labels with optional effects."""

    now: float = 0.0
    ready: deque[tuple[str, Callable[[], None] | None]] = field(default_factory=deque)
    timers: list[tuple[float, int, str, Callable[[], None] | None]] = field(default_factory=list)
    output: list[str] = field(default_factory=list)
    snapshots: list[Snapshot] = field(default_factory=list)
    _seq: itertools.count = field(default_factory=itertools.count)

    def call_soon(self, label: str, effect: Callable[[], None] | None = None) -> None:
        self.ready.append((label, effect))

    def call_later(self, delay: float, label: str, effect: Callable[[], None] | None = None) -> None:
        heapq.heappush(self.timers, (self.now + delay, next(self._seq), label, effect))

    def snapshot(self, ran: str) -> None:
        timeout = 0.0 if self.ready else (self.timers[0][0] - self.now if self.timers else None)
        self.snapshots.append(Snapshot(
            self.now, ran, tuple(label for label, _ in self.ready),
            tuple((when, label) for when, _, label, _ in sorted(self.timers)), timeout,
            tuple(self.output)))

    def run(self) -> list[str]:
        """Turn the loop until nothing is left; every callback appends its own label."""
        while self.ready or self.timers:
            if not self.ready:                       # 1. select() sleeps until the next timer
                self.now = self.timers[0][0]
            while self.timers and self.timers[0][0] <= self.now:  # 2. due timers -> ready
                when, _, label, effect = heapq.heappop(self.timers)
                self.ready.append((label, effect))
            for _ in range(len(self.ready)):         # 3. run what is ready now, FIFO
                label, effect = self.ready.popleft()
                self.output.append(label)
                if effect is not None:
                    effect()
                self.snapshot(label)
        return self.output


def predict_the_order() -> ToyLoop:
    """Replay lesson 03's predict-the-order cell on a :class:`ToyLoop` and return it, run."""
    toy = ToyLoop()
    # The cell's first step is running: it schedules everything, then reaches its await.
    toy.call_later(1.5, "call_later(1.5)")
    toy.call_later(0.5, "call_later(0.5)")
    toy.call_soon("call_soon A")
    toy.call_soon("task: first step",  # the task's first step sets a 1.0 s timer for its next one
                  lambda: toy.call_later(1.0, "task: woke up after 1.0 s"))
    toy.call_soon("call_soon B")
    toy.output.append("cell: before its first await")
    toy.call_later(2.0, "cell: after the await")  # await asyncio.sleep(2): the cell's next step
    toy.snapshot("cell: first step, up to its await")
    toy.run()
    return toy


_COLORS = {"ready": "#56B4E9", "timer": "#E69F00", "ran": "#009E73"}


def _box(ax: object, x: float, y: float, w: float, text: str, color: str, size: float = 7) -> None:
    from matplotlib.patches import FancyBboxPatch

    ax.add_patch(FancyBboxPatch((x, y - 0.32), w, 0.64, boxstyle="round,pad=0.02,rounding_size=0.12",
                                facecolor=color, edgecolor="none", alpha=0.85))
    ax.text(x + w / 2, y, text, ha="center", va="center", fontsize=size)


def plot_steps(toy: ToyLoop, title: str | None = None) -> "Figure":
    """One row per step: what ran, the ready queue, the timer heap and select()'s next wait."""
    from .plots import _new_figure  # registers the notebook's figure display

    steps = toy.snapshots
    fig = _new_figure(13, 0.5 * len(steps) + 1.0)
    ax = fig.add_subplot()
    columns = {"t": 0.0, "ran": 0.6, "ready": 3.3, "timers": 7.1, "select": 12.4}
    for name, x in columns.items():
        heading = {"t": "time", "ran": "just ran", "ready": "ready queue (FIFO) →",
                   "timers": "timer heap (by deadline) →", "select": "select() waits"}[name]
        ax.text(x, len(steps) + 0.1, heading, fontsize=8, fontweight="bold", va="center")
    for row, snap in enumerate(steps):
        y = len(steps) - 1 - row
        ax.text(columns["t"], y, f"{snap.time:.1f} s", fontsize=7, va="center")
        _box(ax, columns["ran"], y, 2.5, snap.ran, _COLORS["ran"])
        for i, label in enumerate(snap.ready):
            _box(ax, columns["ready"] + i * 1.2, y, 1.12, label.replace("task: ", "task "), _COLORS["ready"])
        for i, (when, label) in enumerate(snap.timers):
            short = label.split("(")[0].split(":")[0]  # call_later / task / cell
            _box(ax, columns["timers"] + i * 1.28, y, 1.2, f"@{when:.1f} s: {short}", _COLORS["timer"], 6.5)
        wait = ("0 (work is ready)" if snap.select_timeout == 0 else
                "nothing left" if snap.select_timeout is None else f"{snap.select_timeout:.1f} s")
        ax.text(columns["select"], y, wait, fontsize=7, va="center")
    ax.set_xlim(-0.1, 14.2)
    ax.set_ylim(-0.6, len(steps) + 0.5)
    ax.axis("off")
    ax.set_title(title or "The loop, step by step: run what is ready, then sleep in select() "
                          "until the next timer", fontsize=10)
    return fig
