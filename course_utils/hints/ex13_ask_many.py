"""Hints for ex13_ask_many, from a nudge to near-code; shown one at a time by hint("ex13_ask_many").

Read with ast, never imported. Only the last tier may come close to the answer."""

HINTS = [
    "One asyncio.Semaphore(limit) shared by all the requests gives a sliding window: a request "
    "takes a slot when one is free, whatever the others are doing. Gather one small coroutine per "
    "question.",
    "Inside `async with slots:`, put `async with asyncio.timeout(timeout):` around the POST only, "
    "in a try/except TimeoutError that returns None. Outside the slot, call "
    "response.raise_for_status() and read response.json()['choices'][0]['message']['content'].",
    "async def ask(q): body = {...}; async with slots: try: async with asyncio.timeout(timeout): "
    "response = await client.post('/chat/completions', json=body) except TimeoutError: return "
    "None -- then response.raise_for_status(); return the content; and return list(await "
    "asyncio.gather(*(ask(q) for q in questions)))",
]
