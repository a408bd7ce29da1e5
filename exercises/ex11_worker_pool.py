# Exercise stub generated from solutions/ex11_worker_pool.py: write your code where it raises NotImplementedError.
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
    raise NotImplementedError("ex11_worker_pool.run_pool is not written yet: replace this line with your code. Need a nudge? hint('ex11_worker_pool')")
