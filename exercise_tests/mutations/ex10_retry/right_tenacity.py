# tenacity's AsyncRetrying with a wait function that honours retry_after; wait_for per attempt.
from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt


def _worth_retrying(error):
    return isinstance(error, TimeoutError) or (isinstance(error, LLMError) and error.retryable)


async def complete_with_retry(llm, prompt, *, attempts=5, base_delay=0.5, max_delay=8.0,
                              attempt_timeout=None, budget=None):
    def wait(state):
        error = state.outcome.exception()
        delay = random.uniform(0, min(max_delay, base_delay * 2 ** (state.attempt_number - 1)))
        if isinstance(error, RateLimitError):
            delay = max(delay, error.retry_after)
        return delay

    async with asyncio.timeout(budget):
        async for attempt in AsyncRetrying(stop=stop_after_attempt(attempts), wait=wait,
                                           retry=retry_if_exception(_worth_retrying), reraise=True):
            with attempt:
                return await asyncio.wait_for(llm.complete(prompt), attempt_timeout)
