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
        # BEGIN SOLUTION
        self._tasks: set[asyncio.Task[Any]] = set()
        self.errors: list[BaseException] = []
        # END SOLUTION

    def spawn(self, coro: Coroutine[Any, Any, Any], name: str | None = None) -> asyncio.Task[Any]:
        """Start ``coro`` as a task, keep it alive until it finishes, and return it."""
        # BEGIN SOLUTION
        task = asyncio.create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._finished)
        return task
        # END SOLUTION

    def _finished(self, task: asyncio.Task[Any]) -> None:
        """Called when a task finishes: forget it, and keep its error if it failed."""
        # BEGIN SOLUTION
        self._tasks.discard(task)
        if not task.cancelled():
            error = task.exception()
            if error is not None:
                self.errors.append(error)
        # END SOLUTION

    @property
    def running(self) -> int:
        """How many spawned tasks are still running."""
        # BEGIN SOLUTION
        return sum(1 for task in self._tasks if not task.done())
        # END SOLUTION

    async def wait(self) -> None:
        """Return once every spawned task (even ones spawned meanwhile) has finished."""
        # BEGIN SOLUTION
        while self._tasks:
            await asyncio.wait(set(self._tasks))
        # END SOLUTION

    async def cancel_all(self) -> None:
        """Cancel every running task and return once they have all finished."""
        # BEGIN SOLUTION
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        # END SOLUTION
