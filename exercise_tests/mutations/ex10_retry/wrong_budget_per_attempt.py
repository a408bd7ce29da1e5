# MUTATION: uses one timeout per attempt only (min of both), so the budget never bounds the waits
# EXPECT: Put one asyncio.timeout(budget) around the whole retry loop
async def complete_with_retry(llm, prompt, *, attempts=5, base_delay=0.5, max_delay=8.0,
                              attempt_timeout=None, budget=None):
    limits = [x for x in (attempt_timeout, budget) if x is not None]
    for attempt in range(attempts):
        try:
            async with asyncio.timeout(min(limits) if limits else None):
                return await llm.complete(prompt)
        except (LLMError, TimeoutError) as error:
            if (isinstance(error, LLMError) and not error.retryable) or attempt == attempts - 1:
                raise
            delay = random.uniform(0, min(max_delay, base_delay * 2 ** attempt))
            if isinstance(error, RateLimitError):
                delay = max(delay, error.retry_after)
        await asyncio.sleep(delay)
