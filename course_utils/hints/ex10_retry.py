"""Hints for ex10_retry, from a nudge to near-code; shown one at a time by hint("ex10_retry").

Read with ast, never imported. Only the last tier may come close to the answer."""

HINTS = [
    "A for loop over range(attempts) with a try/except inside is the skeleton: return on success, "
    "decide in the except block whether to give up (not retryable, or no attempts left) or wait.",
    "The cap for retry k is min(max_delay, base_delay * 2 ** (k - 1)); random.uniform(0, cap) "
    "picks the jittered wait. For a RateLimitError, use max(that wait, error.retry_after). "
    "A bare `raise` inside the except block re-raises the current error.",
    "for attempt in range(attempts): try: return await llm.complete(prompt) except LLMError as e: "
    "if not e.retryable or attempt == attempts - 1: raise; delay = random.uniform(0, "
    "min(max_delay, base_delay * 2 ** attempt)); if isinstance(e, RateLimitError): delay = "
    "max(delay, e.retry_after); await asyncio.sleep(delay)",
]
