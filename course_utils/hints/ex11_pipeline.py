"""Hints for ex11_pipeline, from a nudge to near-code; shown one at a time by hint("ex11_pipeline").

Read with ast, never imported. Only the last tier may come close to the answer."""

HINTS = [
    "Three pieces: a reader coroutine, a summarizer coroutine, and something that runs one reader "
    "and N summarizers together and stops them all if one fails. asyncio.TaskGroup is that thing.",
    "The reader puts (name, text) for each document, then one None per summarizer as an "
    "end-of-work marker. A summarizer loops `while (item := await queue.get()) is not None:`. "
    "Inside `async with asyncio.TaskGroup() as tg:` an error in any task cancels the others.",
    "queue = asyncio.Queue(maxsize=queue_size); results = {}; async def reader(): for n in names: "
    "await queue.put((n, await read(n))); for _ in range(summarizers): await queue.put(None). "
    "async with asyncio.TaskGroup() as tg: tg.create_task(reader()); for _ in range(summarizers): "
    "tg.create_task(summarizer()). return {n: results[n] for n in names}",
]
