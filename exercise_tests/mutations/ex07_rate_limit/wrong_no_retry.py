# MUTATION: the semaphore from the lesson, but no retry: the first 429 escapes
# EXPECT: retry_after seconds and try that prompt again
async def fetch_all(llm, prompts, limit, *, attempts=3):
    slots = asyncio.Semaphore(limit)

    async def one(prompt):
        async with slots:
            return await llm.complete(prompt)

    return list(await asyncio.gather(*(one(p) for p in prompts)))
