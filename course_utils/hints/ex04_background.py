"""Hints for ex04_background, from a nudge to near-code; shown one at a time by hint("ex04_background").

Read with ast, never imported. Only the last tier may come close to the answer."""

HINTS = [
    "Keep the running tasks in a container the object owns -- a plain set: the event loop keeps "
    "only a weak reference to a task, so a WeakSet would let a running task be garbage-collected. "
    "Then find a way to be told when each task finishes, without having to await it.",
    "task.add_done_callback(fn) calls fn(task) when the task finishes. In that callback, drop the "
    "task from your set and, unless task.cancelled(), look at task.exception(): calling it "
    "retrieves the error. wait() can loop `while self._tasks: await asyncio.wait(set(self._tasks))`.",
    "spawn: task = asyncio.create_task(coro, name=name); self._tasks.add(task); "
    "task.add_done_callback(self._finished); return task. _finished: self._tasks.discard(task); "
    "if not task.cancelled() and task.exception() is not None: self.errors.append(task.exception()). "
    "cancel_all: for t in self._tasks: t.cancel(); then await asyncio.gather(*tasks, return_exceptions=True).",
]
