# pool.submit + asyncio.wrap_future; the pool is shut down without waiting.
async def gather_blocking(fn, args, max_threads):
    pool = ThreadPoolExecutor(max_threads)
    try:
        futures = [asyncio.wrap_future(pool.submit(fn, a)) for a in args]
        return [await f for f in futures]
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
