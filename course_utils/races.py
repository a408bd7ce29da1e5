"""A shared counter in an "external" store, and a picture of lost updates. Introduced in lesson 15.

::

    store = UsageStore()                      # think Redis or a database: every access is awaited
    total = await store.get()
    await store.set(total + tokens)
    plot_race(store.log, title="...")         # one row per task: what it read, what it wrote

The store keeps a log of every read and write (time, task name, value), the way a database's
query log would, so a lesson can draw who read which value and whose write overwrote whose.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any, Sequence

__all__ = ["UsageStore", "Access", "plot_race", "lost_updates", "ROUND_TRIP"]

#: Course seconds per store round trip (a nearby Redis or database).
ROUND_TRIP = 0.1


@dataclass(frozen=True)
class Access:
    """One completed read or write: when (loop seconds), by which task, which value."""

    time: float
    task: str
    op: str  # "read" or "write"
    value: int


class UsageStore:
    """A token counter in an external store: every ``get`` and ``set`` is a round trip.

    Introduced in lesson 15. ``log`` records each access as it completes.
    """

    def __init__(self, round_trip: float = ROUND_TRIP) -> None:
        self._tokens = 0
        self.round_trip = round_trip
        self.log: list[Access] = []

    def _record(self, op: str, value: int) -> None:
        task = asyncio.current_task()
        name = task.get_name() if task is not None else "main"
        self.log.append(Access(asyncio.get_running_loop().time(), name, op, value))

    async def get(self) -> int:
        await asyncio.sleep(self.round_trip)
        value = self._tokens
        self._record("read", value)
        return value

    async def set(self, value: int) -> None:
        await asyncio.sleep(self.round_trip)
        self._tokens = value
        self._record("write", value)

    def __repr__(self) -> str:
        return f"UsageStore(tokens={self._tokens}, {len(self.log)} accesses)"


def _overwritten(write: Access, log: Sequence[Access]) -> bool:
    """True if another task later wrote a value computed from a read older than ``write``."""
    for later in log:
        if later.op != "write" or later.task == write.task or later.time <= write.time:
            continue
        reads = [a.time for a in log if a.task == later.task and a.op == "read" and a.time <= later.time]
        if reads and max(reads) < write.time:
            return True
    return False


def lost_updates(log: Sequence[Access]) -> int:
    """How many writes were overwritten by a task that never saw them. Introduced in lesson 15."""
    return sum(_overwritten(w, log) for w in log if w.op == "write")


def plot_race(log: Sequence[Access], title: str = "") -> Any:
    """One row per task: a triangle where it read (with the value), a dot where it wrote.

    A write is drawn hollow when a later write by another task replaced its value without
    having read it first (a lost update). Introduced in lesson 15.
    """
    from matplotlib.lines import Line2D

    from .plots import _new_figure

    if not log:
        raise ValueError("the store's log is empty: nothing was read or written")
    t0 = min(a.time for a in log)
    tasks = list(dict.fromkeys(a.task for a in log))
    row = {name: i for i, name in enumerate(tasks)}
    lost = {id(w) for w in log if w.op == "write" and _overwritten(w, log)}
    fig = _new_figure(8.5, 0.38 * len(tasks) + 1.5)
    ax = fig.add_subplot()
    for name in tasks:
        mine = [a for a in log if a.task == name]
        xs = [a.time - t0 for a in mine]
        ax.plot([min(xs), max(xs)], [row[name]] * 2, color="#D9D9D9", linewidth=6, zorder=1)
    for a in log:
        x, y = a.time - t0, row[a.task]
        if a.op == "read":
            ax.scatter([x], [y], marker=">", s=60, color="#0072B2", zorder=3)
            ax.annotate(f"read {a.value}", (x, y), xytext=(-4, 7), textcoords="offset points",
                        fontsize=7, ha="right", color="#0072B2")
        else:
            kept = id(a) not in lost
            ax.scatter([x], [y], marker="o", s=60, zorder=3, color="#009E73" if kept else "white",
                       edgecolors="#009E73" if kept else "#D55E00", linewidths=1.5)
            ax.annotate(f"write {a.value}", (x, y), xytext=(4, 7), textcoords="offset points",
                        fontsize=7, color="#009E73" if kept else "#D55E00")
    ax.set_yticks(range(len(tasks)), tasks, fontsize=8)
    ax.set_ylim(len(tasks) - 0.4, -0.8)
    ax.set_xlabel("time (course seconds)")
    ax.grid(axis="x", alpha=0.3)
    handles = [Line2D([], [], linestyle="none", marker=">", color="#0072B2", label="read"),
               Line2D([], [], linestyle="none", marker="o", color="#009E73",
                          label="write that counts"),
               Line2D([], [], linestyle="none", marker="o", markerfacecolor="white",
                          markeredgecolor="#D55E00", label="write overwritten (lost)")]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8,
              frameon=False)
    ax.set_title(title or f"{len(tasks)} tasks sharing one counter", fontsize=10)
    return fig
