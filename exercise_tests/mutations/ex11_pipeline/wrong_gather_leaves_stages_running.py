# MUTATION: gather instead of a TaskGroup: on an error the other stages keep running
# EXPECT: left
async def summarize_documents(names, read, summarize, *, queue_size=2, summarizers=2):
    queue = asyncio.Queue(maxsize=queue_size)
    results = {}

    async def reader():
        for name in names:
            await queue.put((name, await read(name)))
        for _ in range(summarizers):
            await queue.put(None)

    async def summarizer():
        while (item := await queue.get()) is not None:
            results[item[0]] = await summarize(item[1])

    await asyncio.gather(reader(), *(summarizer() for _ in range(summarizers)))
    return {name: results[name] for name in names}
