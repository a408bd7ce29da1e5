# Exercise stub generated from solutions/ex04_background.py: write your code where it raises NotImplementedError.
"""Lesson 04 (Coroutines and tasks) · Fire-and-forget, done safely: a registry of background tasks.

``asyncio.create_task(job())`` starts a job and returns at once, which is exactly what an agent
wants for side work (logging a conversation, warming a cache). Three traps come with it:

* the event loop keeps only a *weak* reference to tasks, so a task nobody holds on to can be
  garbage-collected in the middle of its work;
* an exception in a task nobody awaits is lost (at best a "Task exception was never retrieved"
  warning much later);
* at shutdown, forgotten tasks are still running.

Your task
---------
Write the class ``BackgroundTasks``:

* ``spawn(coro, name=None)`` starts ``coro`` as a task (with that name), keeps a strong
  reference to it while it runs, and returns the task. A finished task is forgotten at once.
* ``running`` (a property): how many spawned tasks have not finished yet.
* ``errors``: a list of the exceptions raised by spawned tasks, in the order they failed
  (a cancelled task is not an error). Collecting them also marks them as retrieved.
* ``await wait()``: returns when every spawned task has finished, including tasks spawned while
  waiting. It never raises because of a task's error (those go to ``errors``).
* ``await cancel_all()``: cancels every running task and returns once they have all finished.
"""

from __future__ import annotations

import asyncio
from typing import Any, Coroutine


class BackgroundTasks:
    """Start background tasks without losing them, their errors, or control at shutdown."""

    def __init__(self) -> None:
        raise NotImplementedError("ex04_background.BackgroundTasks.__init__ is not written yet: replace this line with your code. Need a nudge? hint('ex04_background')")

    def spawn(self, coro: Coroutine[Any, Any, Any], name: str | None = None) -> asyncio.Task[Any]:
        """Start ``coro`` as a task, keep it alive until it finishes, and return it."""
        raise NotImplementedError("ex04_background.BackgroundTasks.spawn is not written yet: replace this line with your code. Need a nudge? hint('ex04_background')")

    def _finished(self, task: asyncio.Task[Any]) -> None:
        """Called when a task finishes: forget it, and keep its error if it failed."""
        raise NotImplementedError("ex04_background.BackgroundTasks._finished is not written yet: replace this line with your code. Need a nudge? hint('ex04_background')")

    @property
    def running(self) -> int:
        """How many spawned tasks are still running."""
        raise NotImplementedError("ex04_background.BackgroundTasks.running is not written yet: replace this line with your code. Need a nudge? hint('ex04_background')")

    async def wait(self) -> None:
        """Return once every spawned task (even ones spawned meanwhile) has finished."""
        raise NotImplementedError("ex04_background.BackgroundTasks.wait is not written yet: replace this line with your code. Need a nudge? hint('ex04_background')")

    async def cancel_all(self) -> None:
        """Cancel every running task and return once they have all finished."""
        raise NotImplementedError("ex04_background.BackgroundTasks.cancel_all is not written yet: replace this line with your code. Need a nudge? hint('ex04_background')")
