"""Hints for ex07_rate_limit, from a nudge to near-code; shown one at a time by hint("ex07_rate_limit").

Read with ast, never imported. Only the last tier may come close to the answer."""

HINTS = [
    "One asyncio.Semaphore(limit), shared by every call: a call runs only while it holds a slot. "
    "Wrap each prompt in a small coroutine and gather them all; the semaphore does the limiting.",
    "The retry loop goes around the `async with slots:` block, not inside it: catch the "
    "RateLimitError inside the block, remember error.retry_after, let the block end (the slot is "
    "given back), then `await asyncio.sleep(...)` and go round again.",
    "async def one(prompt): for attempt in range(1, attempts + 1): async with slots: try: return "
    "await llm.complete(prompt) except RateLimitError as error: if attempt == attempts: raise; "
    "wait = error.retry_after -- then, outside the block: await asyncio.sleep(wait)",
]
