# MUTATION: waits retry_after inside `async with slots:`, keeping the slot while it sleeps
# EXPECT: Give the slot back before sleeping
async def fetch_all(llm, prompts, limit, *, attempts=3):
    slots = asyncio.Semaphore(limit)

    async def one(prompt):
        async with slots:
            for attempt in range(1, attempts + 1):
                try:
                    return await llm.complete(prompt)
                except RateLimitError as error:
                    if attempt == attempts:
                        raise
                    await asyncio.sleep(error.retry_after)

    return list(await asyncio.gather(*(one(p) for p in prompts)))
