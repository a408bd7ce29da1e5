"""Hints for ex04_task_report, from a nudge to near-code; shown one at a time by hint("ex04_task_report").

Read with ast, never imported. Only the last tier may come close to the answer."""

HINTS = [
    "Create all the tasks first (asyncio.create_task(coro, name=name)), then wait for them "
    "together with a time limit. Which asyncio function waits for a set of tasks with a timeout, "
    "without cancelling them or raising?",
    "done, pending = await asyncio.wait(tasks, timeout=timeout) returns early when "
    "all are done. Cancel each pending task, then await them (e.g. gather(..., "
    "return_exceptions=True)) so they have really finished before you read their state.",
    "for name, task in tasks.items(): if task.cancelled(): 'cancelled'; elif task.exception() is "
    "not None: f'failed: {type(e).__name__}: {e}'; else: f'done: {task.result()!r}'",
]
