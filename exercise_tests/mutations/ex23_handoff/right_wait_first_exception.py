# Two plain tasks and asyncio.wait(FIRST_EXCEPTION); the survivor is cancelled and awaited, and
# the error is re-raised on its own (not in a group); a queue of tuples instead of a sentinel.
async def handoff(texts, first, second, maxsize=2):
    queue = asyncio.Queue(maxsize=maxsize)
    results = []

    async def produce():
        for i, text in enumerate(texts):
            await queue.put((i, await first(text)))

    async def consume():
        for _ in texts:
            i, answer = await queue.get()
            results.append(await second(answer))

    tasks = [asyncio.create_task(produce()), asyncio.create_task(consume())]
    try:
        done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
        for task in done:
            if task.exception() is not None:
                raise task.exception()
        await asyncio.gather(*tasks)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    return results
