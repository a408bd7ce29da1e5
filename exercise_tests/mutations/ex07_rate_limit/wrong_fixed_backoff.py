# MUTATION: retries outside the slot, but after a fixed second instead of retry_after
# EXPECT: retry_after=3.0
async def fetch_all(llm, prompts, limit, *, attempts=3):
    slots = asyncio.Semaphore(limit)

    async def one(prompt):
        for attempt in range(1, attempts + 1):
            async with slots:
                try:
                    return await llm.complete(prompt)
                except RateLimitError:
                    if attempt == attempts:
                        raise
            await asyncio.sleep(1.0)

    return list(await asyncio.gather(*(one(p) for p in prompts)))
