"""The life of each event in an event-driven agent, as a picture. Introduced in lesson 19.

::

    plot_events(log, t0, scans=scan_times, stop_at=stop_time, title="...")

``log`` holds one dict per handled event with ``"name"`` and three loop-clock times:
``"sent"`` (the outside world produced it), ``"arrived"`` (the service noticed it) and
``"done"`` (its answer was ready). Events that never finished may leave ``"done"`` out; they
are drawn up to the right edge, hatched.
"""

from __future__ import annotations

from typing import Any, Iterable, Sequence

__all__ = ["plot_events"]

_WAIT = "#D55E00"   # waiting to be noticed
_WORK = "#0072B2"   # queued and answered


def plot_events(log: Sequence[dict], t0: float, *, scans: Iterable[float] = (),
                stop_at: float | None = None, title: str = "") -> Any:
    """One row per event: waiting to be noticed (orange), then queued and answered (blue).

    Dotted lines mark the folder scans, a dashed line the moment shutdown began. Introduced in
    lesson 19.
    """
    from matplotlib.lines import Line2D
    from matplotlib.patches import Rectangle

    from .plots import _new_figure

    rows = sorted(log, key=lambda e: (e["sent"], e["name"]))
    scans = list(scans)
    end = max([e.get("done", e["arrived"]) for e in rows] + ([stop_at] if stop_at else []))
    fig = _new_figure(8, 0.35 * len(rows) + 1.4)
    ax = fig.add_subplot()
    for y, e in enumerate(rows):
        ax.barh(y, e["arrived"] - e["sent"], left=e["sent"] - t0, color=_WAIT, height=0.6)
        if "done" in e:
            ax.barh(y, e["done"] - e["arrived"], left=e["arrived"] - t0, color=_WORK, height=0.6)
        else:
            ax.barh(y, end - e["arrived"], left=e["arrived"] - t0, color="white", hatch="///",
                    edgecolor=_WORK, height=0.6)
    for t in scans:
        ax.axvline(t - t0, color="grey", linestyle=":", linewidth=1)
    if stop_at is not None:
        ax.axvline(stop_at - t0, color="black", linestyle="--", linewidth=1.5)
    ax.set_yticks(range(len(rows)), [e["name"] for e in rows], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(left=0)
    ax.set_xlabel("time (course seconds)")
    ax.set_title(title, fontsize=10)
    handles = [Rectangle((0, 0), 1, 1, color=_WAIT), Rectangle((0, 0), 1, 1, color=_WORK)]
    labels = ["waiting to be noticed", "queued + answered"]
    if any("done" not in e for e in rows):
        handles.append(Rectangle((0, 0), 1, 1, facecolor="white", hatch="///", edgecolor=_WORK))
        labels.append("never finished")
    if scans:
        handles.append(Line2D([], [], color="grey", linestyle=":"))
        labels.append("folder scan")
    if stop_at is not None:
        handles.append(Line2D([], [], color="black", linestyle="--"))
        labels.append("stop.set()")
    ax.legend(handles=handles, labels=labels, loc="upper left", bbox_to_anchor=(1.01, 1),
              fontsize=8, frameon=False)
    return fig
