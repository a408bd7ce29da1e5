"""Pictures for rate limits: a token bucket's level over time, and an AIMD limit's sawtooth.

Both are one-line calls from lesson 08, which introduces them; the limiters themselves are
written in the lesson. Times are the event loop's clock (course seconds in a lesson).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable, Sequence

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["bucket_levels", "plot_bucket_levels", "plot_aimd", "plot_sweep"]


def bucket_levels(takes: Iterable[float], capacity: float, rate: float, start: float,
                  end: float | None = None, cost: float = 1.0) -> tuple[list[float], list[float]]:
    """Replay a bucket that starts full at ``start`` and pays ``cost`` at each time in ``takes``.

    Returns the polyline ``(times, levels)``: linear refill at ``rate`` up to ``capacity``, a drop
    of ``cost`` at each take. A level below zero means the takes spent tokens the bucket did not
    have: a provider with this bucket would have refused those requests.
    """
    times, levels = [start], [capacity]
    t, level = start, float(capacity)

    def refill_to(until: float) -> None:
        nonlocal t, level
        if until <= t:
            return
        full_at = t + (capacity - level) / rate
        if level < capacity and full_at < until:
            times.append(full_at)
            levels.append(capacity)
        level = min(capacity, level + (until - t) * rate)
        t = until
        times.append(t)
        levels.append(level)

    for when in sorted(takes):
        refill_to(max(when, t))
        level -= cost
        times.append(t)
        levels.append(level)
    if end is not None:
        refill_to(end)
    return times, levels


def plot_bucket_levels(takes: Sequence[float], buckets: dict[str, tuple[float, float]], start: float,
                       end: float | None = None, title: str | None = None) -> "Figure":
    """One line per bucket ``{label: (capacity, rate)}``, all replayed over the same ``takes``."""
    from .plots import _new_figure  # registers the notebook's figure display

    fig = _new_figure(8, 3)
    ax = fig.add_subplot()
    colors = ["#0072B2", "#D55E00", "#009E73"]
    for (label, (capacity, rate)), color in zip(buckets.items(), colors):
        times, levels = bucket_levels(takes, capacity, rate, start, end)
        ax.plot([x - start for x in times], levels, color=color, label=f"{label}: {capacity:g} max, "
                f"+{rate:g}/s")
    ax.plot([x - start for x in takes], [0] * len(takes), "|", color="#555555", markersize=8,
            label="a request is sent")
    ax.axhline(0, color="#B2182B", linewidth=0.8)
    ax.set(xlabel="time (course seconds)", ylabel="tokens in the bucket",
           title=title or "A token bucket: a burst empties it, then each refill pays for one request")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
    ax.grid(alpha=0.3)
    return fig


def plot_aimd(history: Sequence[tuple[float, float]], sustainable: float, start: float,
              title: str | None = None) -> "Figure":
    """The concurrency limit over time (``[(time, limit), ...]``) against what the account sustains."""
    from .plots import _new_figure  # registers the notebook's figure display

    fig = _new_figure(8, 3)
    ax = fig.add_subplot()
    times, limits = zip(*[(t - start, limit) for t, limit in history])
    ax.step(times, limits, where="post", color="#0072B2", label="concurrency limit")
    ax.axhline(sustainable, color="#D55E00", linestyle="--",
               label="rate x latency (what the account sustains)")
    ax.set(xlabel="time (course seconds)", ylabel="requests in flight allowed",
           title=title or "AIMD: probe up on success, halve on a 429")
    ax.legend(loc="lower right", fontsize=8)
    ax.grid(alpha=0.3)
    return fig


def plot_sweep(runs: dict[int, dict[str, float]], rate: float, title: str | None = None) -> "Figure":
    """Throughput and 429s per concurrency, ``{in_flight: {"throughput": ..., "429s": ...}}``."""
    from .plots import _new_figure  # registers the notebook's figure display

    fig = _new_figure(8, 3)
    left, right = fig.subplots(1, 2)
    xs = sorted(runs)
    left.plot(xs, [runs[c]["throughput"] for c in xs], "o-", color="#0072B2")
    left.axhline(rate, color="#D55E00", linestyle="--", label=f"rate limit {rate:g}/s")
    left.set_xscale("log", base=2)
    left.set_xticks(xs, [str(c) for c in xs])
    left.minorticks_off()
    left.set(xlabel="requests in flight", ylabel="requests/s", title="throughput", ylim=(0, rate * 1.3))
    left.legend(fontsize=8)
    right.bar([str(c) for c in xs], [runs[c]["429s"] for c in xs], color="#B2182B")
    right.set(xlabel="requests in flight", ylabel="429 answers", title="429s along the way")
    for ax in (left, right):
        ax.grid(alpha=0.3)
    if title:
        fig.suptitle(title, fontsize=10)
    return fig
