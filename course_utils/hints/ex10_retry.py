"""Hints for ex10_retry, from a nudge to near-code; shown one at a time by hint("ex10_retry").

Read with ast, never imported. Only the last tier may come close to the answer."""

HINTS = [
    "Two deadlines nest: one `async with asyncio.timeout(...)` around the whole retry loop (the "
    "budget), and one around each single call inside it (the attempt). asyncio.timeout(None) "
    "means no limit, so the parameters can go straight in.",
    "Inside the loop, catch (LLMError, TimeoutError): a TimeoutError there is the *attempt's* "
    "deadline. When the *budget* expires, what reaches your except clause is a CancelledError -- "
    "not an Exception, so do not catch it: let it out, and the outer timeout turns it into "
    "TimeoutError. Sleep for the backoff after the except block.",
    "async with asyncio.timeout(budget): for attempt in range(attempts): try: async with "
    "asyncio.timeout(attempt_timeout): return await llm.complete(prompt) / except (LLMError, "
    "TimeoutError) as error: re-raise unless retryable and attempts are left; delay = "
    "random.uniform(0, min(max_delay, base_delay * 2 ** attempt)), at least error.retry_after "
    "after a 429 -- then await asyncio.sleep(delay)",
]
