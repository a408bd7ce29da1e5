"""Hints for ex10_fallback, from a nudge to near-code; shown one at a time by hint("ex10_fallback").

Read with ast, never imported. Only the last tier may come close to the answer."""

HINTS = [
    "Python 3.11 has `async with asyncio.timeout(seconds):` -- it cancels the awaited call when "
    "time is up and raises TimeoutError. asyncio.wait_for(coro, seconds) does the same.",
    "Wrap the primary call in the timeout inside a try block, and catch both TimeoutError and "
    "LLMError; in the except branch, call the secondary with its own timeout.",
    "try: return await asyncio.wait_for(primary.complete(prompt), timeout) "
    "except (TimeoutError, LLMError): return await asyncio.wait_for(secondary.complete(prompt), "
    "timeout)",
]
