"""Lesson 11 (Queues, pools and pipelines) · A worker pool: a queue of jobs and a fixed number of workers.

Creating one task per job is fine for dozens of jobs; for thousands, or when each job holds a
connection, a *pool* is better: a fixed number of worker tasks take jobs from a queue one at a
time. Concurrency is then exactly the number of workers, and shutting down means stopping a
handful of workers, not hunting for thousands of tasks.

Your task
---------
Write ``run_pool(jobs, handler, workers=3)``:

* put every job on an ``asyncio.Queue``; start exactly ``workers`` worker tasks (not one task per
  job) that repeatedly take a job and ``await handler(job)``. (A worker may run each job in a task
  of its own and await it, e.g. to give it a name; what matters is that the number of tasks alive
  at once stays about ``workers`` whatever the number of jobs);
* exactly ``workers`` jobs run at once while jobs are waiting, and a worker takes the next job
  as soon as it is free;
* return the results in the order of ``jobs``; if ``handler`` raises an ``Exception`` for a job,
  the exception object becomes that job's result and the pool carries on;
* shut down cleanly: when ``run_pool`` returns -- or is cancelled -- no worker is left running.
"""

from __future__ import annotations

import asyncio
from typing import Any, Awaitable, Callable


async def run_pool(jobs: list[Any], handler: Callable[[Any], Awaitable[Any]], *, workers: int = 3) -> list[Any]:
    """Run ``handler`` over ``jobs`` with exactly ``workers`` worker tasks; results in order."""
    # BEGIN SOLUTION
    queue: asyncio.Queue[tuple[int, Any]] = asyncio.Queue()
    for index, job in enumerate(jobs):
        queue.put_nowait((index, job))
    results: list[Any] = [None] * len(jobs)

    async def worker() -> None:
        while True:
            try:
                index, job = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            try:
                results[index] = await handler(job)
            except Exception as error:
                results[index] = error

    await asyncio.gather(*(worker() for _ in range(workers)))
    return results
    # END SOLUTION
