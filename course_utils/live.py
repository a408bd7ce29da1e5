"""Show an answer as it streams in: a box that grows in place (introduced in lesson 09).

In a notebook, :class:`LiveText` displays one output and updates it as tokens arrive (an IPython
display handle, so no widget state is needed and a saved notebook keeps the final text).
Anywhere else (a script, a test, a terminal) it writes the tokens to stdout as they come::

    view = LiveText("sim-large")
    async for token in llm.stream(prompt):
        view.append(token)
    view.done("48 tokens")

:func:`plot_arrivals` draws "words on screen over time" for several runs, which is the picture
behind time-to-first-token (lessons 09 and 10).
"""

from __future__ import annotations

import html
import sys
import time
from typing import IO, TYPE_CHECKING, Any, Mapping, Sequence

if TYPE_CHECKING:  # pragma: no cover - typing only
    from matplotlib.figure import Figure

__all__ = ["LiveText", "plot_arrivals", "in_notebook"]

#: Minimum real seconds between two redraws in a notebook: the eye sees ~30 frames a second,
#: and sending one message per token to the browser would cost more than the tokens.
DEFAULT_MIN_INTERVAL = 1 / 30

_BOX = ("font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; "
        "white-space: pre-wrap; line-height: 1.45; padding: 8px 12px; margin: 4px 0; "
        "border-left: 4px solid {colour}; background: #f7f9fc; color: #1a1a1a; max-width: 60em")
_COLOURS = {"live": "#0072B2", "done": "#009E73", "failed": "#D55E00"}


def in_notebook() -> bool:
    """True inside a Jupyter kernel (where display handles can update an output in place)."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython ships with the course
        return False
    shell = get_ipython()
    return shell is not None and hasattr(shell, "kernel")


class _Snapshot:
    """What one redraw shows: rich HTML for Jupyter, plain text for everything else."""

    def __init__(self, title: str, text: str, status: str, state: str) -> None:
        self.title, self.text, self.status, self.state = title, text, status, state

    def _repr_html_(self) -> str:
        head = f"<div style='font-size: 0.85em; color: #555'>{html.escape(self.title)}</div>" if self.title else ""
        cursor = "<span style='color: #0072B2'>&#9612;</span>" if self.state == "live" else ""
        body = (f"<div style='{_BOX.format(colour=_COLOURS[self.state])}'>"
                f"{html.escape(self.text)}{cursor}</div>")
        colour = _COLOURS["failed"] if self.state == "failed" else "#555"
        foot = (f"<div style='font-size: 0.85em; color: {colour}'>{html.escape(self.status)}</div>"
                if self.status else "")
        return head + body + foot

    def __repr__(self) -> str:
        lines = [self.title] if self.title else []
        lines.append(self.text + (" ▌" if self.state == "live" else ""))
        if self.status:
            lines.append(f"[{self.status}]")
        return "\n".join(lines)


class LiveText:
    """A text output that grows in place as tokens arrive. Introduced in lesson 09.

    ``append(token)`` adds text, ``restart(note)`` wipes it (a retried stream starts over),
    ``done(status)`` / ``fail(status)`` draw the final state. Also a context manager: leaving
    the block finishes the view, and an exception marks it failed.

    ``mode`` is ``"auto"`` (a notebook if there is a kernel, else text), ``"notebook"`` or
    ``"text"``; ``min_interval`` (real seconds) throttles notebook redraws.
    """

    def __init__(self, title: str = "", *, mode: str = "auto",
                 min_interval: float = DEFAULT_MIN_INTERVAL, file: IO[str] | None = None) -> None:
        if mode not in ("auto", "notebook", "text"):
            raise ValueError(f"mode must be 'auto', 'notebook' or 'text', got {mode!r}")
        self.title = title
        self.mode = ("notebook" if in_notebook() else "text") if mode == "auto" else mode
        self.min_interval = min_interval
        self.status = ""
        self.state = "live"
        #: How many times the notebook output was redrawn (the throttle keeps this small).
        self.redraws = 0
        self._parts: list[str] = []
        self._file = file
        self._handle: Any = None
        self._last_draw = float("-inf")
        self._dirty = False
        self._show()

    # -- state ------------------------------------------------------------------------------

    @property
    def text(self) -> str:
        """Everything appended since the start (or the last ``restart``)."""
        return "".join(self._parts).strip()

    @property
    def finished(self) -> bool:
        return self.state != "live"

    def snapshot(self) -> _Snapshot:
        return _Snapshot(self.title, self.text, self.status, self.state)

    # -- updates ----------------------------------------------------------------------------

    def append(self, text: str) -> None:
        """Add ``text`` (a token) to the end; redraws at most every ``min_interval``."""
        if self.finished:
            raise RuntimeError("this LiveText is finished; create a new one for the next answer")
        self._parts.append(text)
        if self.mode == "text":
            self._write(text.lstrip() if len(self._parts) == 1 else text)
            return
        self._dirty = True
        if time.perf_counter() - self._last_draw >= self.min_interval:
            self._draw()

    def note(self, status: str) -> None:
        """Set the small status line under the text (e.g. "first token after 0.82 s")."""
        self.status = status
        if self.mode == "notebook":
            self._draw()

    def restart(self, note: str = "") -> None:
        """Wipe the text, e.g. before showing a retried stream that starts from scratch."""
        self._parts.clear()
        self.status = note
        if self.mode == "text":
            self._write(f"\n[{note or 'restarting'}]\n")
        else:
            self._draw()

    def done(self, status: str = "") -> None:
        """Draw the final text without the cursor, with an optional status line."""
        self._finish("done", status)

    def fail(self, status: str) -> None:
        """Like :meth:`done`, but the status is shown as an error."""
        self._finish("failed", status)

    def _finish(self, state: str, status: str) -> None:
        if self.finished:
            return
        self.state = state
        if status:
            self.status = status
        if self.mode == "text":
            self._write(f"\n[{self.status}]\n" if self.status else "\n")
        else:
            self._draw()

    # -- context manager --------------------------------------------------------------------

    def __enter__(self) -> "LiveText":
        return self

    def __exit__(self, exc_type: Any, exc: BaseException | None, tb: Any) -> None:
        if exc is None:
            self.done()
        else:
            name = "cancelled" if exc_type is not None and exc_type.__name__ == "CancelledError" \
                else f"{exc_type.__name__}: {exc}" if exc_type is not None else "failed"
            self.fail(self.status + (" · " if self.status else "") + name)

    # -- output -----------------------------------------------------------------------------

    def _write(self, text: str) -> None:
        out = self._file or sys.stdout
        out.write(text)
        out.flush()

    def _show(self) -> None:
        if self.mode == "text":
            if self.title:
                self._write(f"{self.title}\n")
            return
        from IPython.display import display

        self._handle = display(self.snapshot(), display_id=True)
        self._last_draw = time.perf_counter()
        self.redraws = 1

    def _draw(self) -> None:
        if self._handle is None:
            return
        self._handle.update(self.snapshot())
        self._last_draw = time.perf_counter()
        self._dirty = False
        self.redraws += 1

    def _repr_html_(self) -> str:
        return self.snapshot()._repr_html_()

    def __repr__(self) -> str:
        return f"LiveText({self.title!r}, {len(self.text)} chars, {self.state})"


def plot_arrivals(runs: Mapping[str, Sequence[float]], *, title: str | None = None,
                  ax: Any = None) -> "Figure":
    """Tokens on screen over time, one step line per run. Introduced in lesson 09.

    ``runs`` maps a label to the arrival time (course seconds from the request) of every
    token the user sees; a non-streamed answer is all its tokens at one instant. The first
    arrival of each run is marked: that is the time to first token the user lives through.
    """
    if not runs:
        raise ValueError("plot_arrivals needs at least one run")
    if ax is None:
        # The course's figure factory: no pyplot state, and displayed as a cell's value.
        from .plots import _new_figure

        ax = _new_figure(8.0, 3.4).add_subplot()
    colours = ["#D55E00", "#0072B2", "#009E73", "#CC79A7", "#E69F00", "#56B4E9"]
    end = max((max(times) for times in runs.values() if times), default=1.0)
    for i, (label, raw) in enumerate(runs.items()):
        times = sorted(raw)
        colour = colours[i % len(colours)]
        if not times:
            ax.plot([0, end], [0, 0], color=colour, label=f"{label} (nothing)")
            continue
        xs, ys = [0.0], [0]
        for n, t in enumerate(times, 1):
            xs += [t, t]
            ys += [n - 1, n]
        xs.append(end * 1.02)
        ys.append(len(times))
        ax.plot(xs, ys, color=colour, linewidth=2,
                label=f"{label}: first words at {times[0]:.2f} s, all {len(times)} at {times[-1]:.2f} s")
        ax.plot([times[0]], [1], marker="o", color=colour, markersize=7, zorder=3)
        ax.axvline(times[0], color=colour, linestyle=":", linewidth=1)
    ax.set_xlim(0, end * 1.05)
    ax.set_ylim(0, max(len(t) for t in runs.values()) * 1.12 + 1)
    ax.set_xlabel("time since the request (course seconds)")
    ax.set_ylabel("tokens on screen")
    ax.set_title(title or "What the user sees", fontsize=10)
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    ax.grid(alpha=0.3)
    return ax.figure
