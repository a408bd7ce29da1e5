# MUTATION: a single None for all the summarizers: the others wait for ever
# EXPECT: can never happen
async def summarize_documents(names, read, summarize, *, queue_size=2, summarizers=2):
    queue = asyncio.Queue(maxsize=queue_size)
    results = {}

    async def reader():
        for name in names:
            await queue.put((name, await read(name)))
        await queue.put(None)

    async def summarizer():
        while (item := await queue.get()) is not None:
            results[item[0]] = await summarize(item[1])

    async with asyncio.TaskGroup() as tg:
        tg.create_task(reader())
        for _ in range(summarizers):
            tg.create_task(summarizer())
    return {name: results[name] for name in names}
