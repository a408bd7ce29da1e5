# Explicit acquire/release in try/finally, a while loop, and a TaskGroup.
async def fetch_all(llm, prompts, limit, *, attempts=3):
    slots = asyncio.Semaphore(limit)

    async def one(prompt):
        tried = 0
        while True:
            tried += 1
            await slots.acquire()
            try:
                return await llm.complete(prompt)
            except RateLimitError as error:
                if tried >= attempts:
                    raise
                delay = error.retry_after
            finally:
                slots.release()
            await asyncio.sleep(delay)

    try:
        async with asyncio.TaskGroup() as tg:
            tasks = [tg.create_task(one(p)) for p in prompts]
    except ExceptionGroup as group:
        raise group.exceptions[0] from None
    return [t.result() for t in tasks]
