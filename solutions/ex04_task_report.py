"""Lesson 04 (Coroutines and tasks) · Start tasks, give them a deadline, and report how each one ended.

A task is a coroutine the event loop is running for you. It starts as soon as you create it
and ends in exactly one of three ways: it returns a result, it raises an exception, or it is
cancelled. ``task.done()``, ``task.cancelled()``, ``task.exception()`` and ``task.result()``
tell you which.

Your task
---------
Write ``run_and_report(jobs, timeout)``. ``jobs`` maps a name to a coroutine. Run them all at
the same time, each as a task named after its job. Give them at most ``timeout`` course
seconds in total; cancel any still running then. Return, in the order of ``jobs``, a dict from
name to one of:

* ``"done: <repr of the result>"`` -- e.g. ``"done: 42"`` or ``"done: 'hello'"``;
* ``"failed: <ExceptionType>: <message>"`` -- e.g. ``"failed: ValueError: bad input"``;
* ``"cancelled"`` -- it was still running at the deadline (or was cancelled by someone else).

Return as soon as every task has finished -- do not sit out the whole ``timeout`` when they
are quicker -- and leave no task running behind you.
"""

from __future__ import annotations

import asyncio
from typing import Any, Coroutine


async def run_and_report(jobs: dict[str, Coroutine[Any, Any, Any]], timeout: float) -> dict[str, str]:
    """Run every job as a named task for at most ``timeout`` seconds; report each outcome."""
    # BEGIN SOLUTION
    tasks = {name: asyncio.create_task(coro, name=name) for name, coro in jobs.items()}
    if tasks:
        await asyncio.wait(tasks.values(), timeout=timeout)
    for task in tasks.values():
        if not task.done():
            task.cancel()
    await asyncio.gather(*tasks.values(), return_exceptions=True)
    report: dict[str, str] = {}
    for name, task in tasks.items():
        if task.cancelled():
            report[name] = "cancelled"
        elif (error := task.exception()) is not None:
            report[name] = f"failed: {type(error).__name__}: {error}"
        else:
            report[name] = f"done: {task.result()!r}"
    return report
    # END SOLUTION
