# MUTATION: sends the prompts in batches of `limit` (gather per batch) instead of a sliding window
# EXPECT: Waiting for a whole batch
async def fetch_all(llm, prompts, limit, *, attempts=3):
    async def one(prompt):
        for attempt in range(1, attempts + 1):
            try:
                return await llm.complete(prompt)
            except RateLimitError as error:
                if attempt == attempts:
                    raise
                await asyncio.sleep(error.retry_after)

    results = []
    for i in range(0, len(prompts), limit):
        results += await asyncio.gather(*(one(p) for p in prompts[i:i + limit]))
    return results
