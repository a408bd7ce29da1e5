"""Hints for ex14_offload, from a nudge to near-code; shown one at a time by hint("ex14_offload").

Read with ast, never imported. Only the last tier may come close to the answer."""

HINTS = [
    "asyncio.to_thread alone uses the default pool, whose size you do not control. Which loop "
    "method runs a function in an executor you choose?",
    "Create a ThreadPoolExecutor(max_workers=max_threads), submit every call with "
    "loop.run_in_executor(pool, fn, arg) (loop = asyncio.get_running_loop()), and gather the "
    "futures. In a finally block, call pool.shutdown(wait=False): it frees the threads without "
    "blocking the loop.",
    "loop = asyncio.get_running_loop(); pool = ThreadPoolExecutor(max_workers=max_threads); try: "
    "return list(await asyncio.gather(*(loop.run_in_executor(pool, fn, a) for a in args))) "
    "finally: pool.shutdown(wait=False)",
]
