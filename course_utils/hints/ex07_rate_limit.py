"""Hints for ex07_rate_limit, from a nudge to near-code; shown one at a time by hint("ex07_rate_limit").

Read with ast, never imported. Only the last tier may come close to the answer."""

HINTS = [
    "Starting everything with gather is fine; the trick is that each call must first get "
    "permission, and there are only `limit` permissions. Which asyncio primitive counts them?",
    "Create one asyncio.Semaphore(limit) per fetch_all call. Wrap each call in a small helper "
    "coroutine that does `async with semaphore:` around the await, and gather the helpers.",
    "semaphore = asyncio.Semaphore(limit); async def one(p): async with semaphore: return await "
    "llm.complete(p); return list(await asyncio.gather(*(one(p) for p in prompts)))",
]
