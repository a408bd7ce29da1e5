# MUTATION: plain exponential backoff without jitter (every client retries in lockstep)
# EXPECT: Add random jitter
async def complete_with_retry(llm, prompt, *, attempts=5, base_delay=0.5, max_delay=8.0,
                              attempt_timeout=None, budget=None):
    async with asyncio.timeout(budget):
        for attempt in range(attempts):
            try:
                async with asyncio.timeout(attempt_timeout):
                    return await llm.complete(prompt)
            except (LLMError, TimeoutError) as error:
                if (isinstance(error, LLMError) and not error.retryable) or attempt == attempts - 1:
                    raise
                delay = min(max_delay, base_delay * 2 ** attempt)
                if isinstance(error, RateLimitError):
                    delay = max(delay, error.retry_after)
            await asyncio.sleep(delay)
