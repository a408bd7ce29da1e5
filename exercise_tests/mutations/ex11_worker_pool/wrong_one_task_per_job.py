# MUTATION: a semaphore and one task per job (gather), instead of a pool of workers
# EXPECT: not one task per job
async def run_pool(jobs, handler, *, workers=3):
    slots = asyncio.Semaphore(workers)

    async def one(job):
        async with slots:
            try:
                return await handler(job)
            except Exception as error:
                return error

    return list(await asyncio.gather(*(one(job) for job in jobs)))
