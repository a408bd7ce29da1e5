# MUTATION: an unbounded queue: the reader races ahead of the model
# EXPECT: Use asyncio.Queue(maxsize=queue_size)
async def summarize_documents(names, read, summarize, *, queue_size=2, summarizers=2):
    queue = asyncio.Queue()
    results = {}

    async def reader():
        for name in names:
            await queue.put((name, await read(name)))
        for _ in range(summarizers):
            await queue.put(None)

    async def summarizer():
        while (item := await queue.get()) is not None:
            results[item[0]] = await summarize(item[1])

    async with asyncio.TaskGroup() as tg:
        tg.create_task(reader())
        for _ in range(summarizers):
            tg.create_task(summarizer())
    return {name: results[name] for name in names}
