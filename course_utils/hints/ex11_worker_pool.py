"""Hints for ex11_worker_pool, from a nudge to near-code; shown one at a time by hint("ex11_worker_pool").

Read with ast, never imported. Only the last tier may come close to the answer."""

HINTS = [
    "Fill the queue first; then each worker loops: take a job, run it, store the result at the "
    "job's index. Put (index, job) pairs on the queue so a worker knows where the result goes.",
    "With the queue filled up front, a worker can stop when queue.get_nowait() raises "
    "asyncio.QueueEmpty. Catch Exception around `await handler(job)` and store the exception. "
    "Start the workers with asyncio.gather (or a TaskGroup) so cancelling run_pool cancels them too.",
    "results = [None] * len(jobs); queue.put_nowait((i, job)) for each; async def worker(): "
    "while True: try: i, job = queue.get_nowait() except asyncio.QueueEmpty: return; try: "
    "results[i] = await handler(job) except Exception as e: results[i] = e; then "
    "await asyncio.gather(*(worker() for _ in range(workers))); return results",
]
