"""Hints for ex13_ask_many, from a nudge to near-code; shown one at a time by hint("ex13_ask_many").

Read with ast, never imported. Only the last tier may come close to the answer."""

HINTS = [
    "Three pieces from the lesson: one request per question with client.post(...), a way to let "
    "only `limit` of them run at once, and gather to collect the answers in order.",
    "Create an asyncio.Semaphore(limit). In a helper coroutine, `async with semaphore:` around "
    "`await client.post(\"/chat/completions\", json=body)`; then raise_for_status() and read "
    "response.json()[\"choices\"][0][\"message\"][\"content\"]. Gather the helpers.",
    "slots = asyncio.Semaphore(limit); async def ask(q): async with slots: r = await "
    "client.post(\"/chat/completions\", json={\"model\": settings().model, \"messages\": "
    "[{\"role\": \"user\", \"content\": q}]}); r.raise_for_status(); return "
    "r.json()[\"choices\"][0][\"message\"][\"content\"] -- return list(await "
    "asyncio.gather(*(ask(q) for q in questions)))",
]
