"""Widgets whose callbacks start async work, done so that JupyterLab really shows the result.

Why this module exists: with ipykernel 7, an asyncio task started from a button callback runs
under the *click's* message (a ``comm_msg``), and after its first ``await`` under whatever
context it inherited. ``with output:`` and ``print`` in such a task are parented to that
message, and JupyterLab drops output parented to a comm message (it only goes to the log
console). nbval never notices, because there the cell itself clicks the button.

What always reaches the browser is a change of a widget's *state* (a comm message of its own):
``Image.value``, ``HTML.value``, ``Output.append_stdout`` / ``append_display_data``. Everything
here draws that way. (See ipywidgets' docs, "Output widgets ... from background threads".)
Introduced in lesson 06.
"""

from __future__ import annotations

import asyncio
import html
import io
import traceback
from typing import Any, Awaitable, Callable

__all__ = ["figure_png", "start_task", "status_html", "error_html"]

# Tasks started from callbacks. The event loop holds only weak references to tasks, so a task
# nobody keeps can be garbage-collected mid-flight; each removes itself when done.
_running: set[asyncio.Task[Any]] = set()


def figure_png(fig: Any, dpi: int = 100) -> bytes:
    """A matplotlib Figure as PNG bytes, ready for ``ipywidgets.Image.value``."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def start_task(make: Callable[[], Awaitable[Any]], on_error: Callable[[BaseException], None],
               name: str | None = None) -> asyncio.Task[Any]:
    """Schedule ``make()`` on the running loop from a plain (non-async) callback.

    The task is kept referenced until it finishes; an exception goes to ``on_error`` (which
    should put it in a widget), because nobody awaits the task to see it.
    """

    async def guarded() -> Any:
        try:
            return await make()
        except asyncio.CancelledError:
            raise
        except Exception as error:  # shown to the learner instead of vanishing
            on_error(error)
            return None

    task = asyncio.ensure_future(guarded())
    if name:
        task.set_name(name)
    _running.add(task)
    task.add_done_callback(_running.discard)
    return task


async def wait_for_started() -> None:
    """Wait for every task :func:`start_task` started (the cell that clicks a button uses it)."""
    while _running:
        await asyncio.gather(*list(_running), return_exceptions=True)


def status_html(text: str) -> str:
    return f"<span style='font-family: var(--jp-ui-font-family)'>{html.escape(text)}</span>"


def error_html(error: BaseException) -> str:
    """An exception as the learner should see it: the message first, the traceback folded."""
    trace = "".join(traceback.format_exception(error))
    return (f"<b style='color:#B2182B'>{html.escape(type(error).__name__)}: "
            f"{html.escape(str(error))}</b><details><summary>traceback</summary>"
            f"<pre>{html.escape(trace)}</pre></details>")
