# MUTATION: asyncio.to_thread under a semaphore: fine until max_threads exceeds the default pool
# EXPECT: give run_in_executor a ThreadPoolExecutor of your own
async def gather_blocking(fn, args, max_threads):
    slots = asyncio.Semaphore(max_threads)

    async def one(arg):
        async with slots:
            return await asyncio.to_thread(fn, arg)

    return list(await asyncio.gather(*(one(a) for a in args)))
