# MUTATION: plain gather: the first error propagates, but the other agent is left running
# EXPECT: cancel the other
async def handoff(texts, first, second, maxsize=2):
    queue = asyncio.Queue(maxsize=maxsize)
    results = []

    async def produce():
        for text in texts:
            await queue.put(await first(text))
        await queue.put(None)

    async def consume():
        while (answer := await queue.get()) is not None:
            results.append(await second(answer))

    await asyncio.gather(produce(), consume())
    return results
