# MUTATION: an unbounded queue, so the first agent races ahead of the second
# EXPECT: the queue must be bounded
async def handoff(texts, first, second, maxsize=2):
    queue = asyncio.Queue()
    results = []

    async def produce():
        for text in texts:
            await queue.put(await first(text))
        await queue.put(None)

    async def consume():
        while (answer := await queue.get()) is not None:
            results.append(await second(answer))

    async with asyncio.TaskGroup() as tg:
        tg.create_task(produce())
        tg.create_task(consume())
    return results
