# MUTATION: collects results in the order they finish
# EXPECT: argument order
async def gather_blocking(fn, args, max_threads):
    loop = asyncio.get_running_loop()
    pool = ThreadPoolExecutor(max_workers=max_threads)
    try:
        futures = [loop.run_in_executor(pool, fn, a) for a in args]
        return [await f for f in asyncio.as_completed(futures)]
    finally:
        pool.shutdown(wait=False)
