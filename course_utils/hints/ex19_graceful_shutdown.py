"""Hints for ex19_graceful_shutdown, from a nudge to near-code; shown one at a time by hint("ex19_graceful_shutdown").

Read with ast, never imported. Only the last tier may come close to the answer."""

HINTS = [
    "Three phases: start the workers; `await stop.wait()`; then drain. `await queue.join()` "
    "returns once task_done() was called for every item ever put, i.e. when the queue is empty "
    "and no worker is busy.",
    "A worker is `while True: item = await queue.get()` followed by try/except Exception/finally "
    "(count handled or failed; queue.task_done() in the finally). Put the drain in a try and the "
    "cancellation of the workers in its finally, so a cancelled run_pool cleans up too.",
    "tasks = [asyncio.create_task(worker()) for _ in range(workers)]; try: await stop.wait(); "
    "await queue.join() finally: for t in tasks: t.cancel(); await asyncio.gather(*tasks, "
    "return_exceptions=True) -- then return the counts",
]
