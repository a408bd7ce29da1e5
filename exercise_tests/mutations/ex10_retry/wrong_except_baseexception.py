# MUTATION: "retry whatever goes wrong": except BaseException also retries the caller's cancellation
# EXPECT: A CancelledError was caught and retried
async def complete_with_retry(llm, prompt, *, attempts=5, base_delay=0.5, max_delay=8.0,
                              attempt_timeout=None, budget=None):
    async with asyncio.timeout(budget):
        for attempt in range(attempts):
            try:
                async with asyncio.timeout(attempt_timeout):
                    return await llm.complete(prompt)
            except BaseException as error:
                if isinstance(error, LLMError) and not error.retryable:
                    raise
                if isinstance(error, Exception) and not isinstance(error, (LLMError, TimeoutError)):
                    raise
                if attempt == attempts - 1:
                    raise
                delay = random.uniform(0, min(max_delay, base_delay * 2 ** attempt))
                if isinstance(error, RateLimitError):
                    delay = max(delay, error.retry_after)
            await asyncio.sleep(delay)
