# queue.join() tells when everything read was summarised; then the summarizers are cancelled.
async def summarize_documents(names, read, summarize, *, queue_size=2, summarizers=2):
    queue = asyncio.Queue(maxsize=queue_size)
    results = {}

    async def summarizer():
        while True:
            name, text = await queue.get()
            try:
                results[name] = await summarize(text)
            finally:
                queue.task_done()

    workers = [asyncio.create_task(summarizer()) for _ in range(summarizers)]
    try:
        for name in names:
            await queue.put((name, await read(name)))
            for w in workers:
                if w.done():
                    w.result()  # a summary failed: raise it now
        join = asyncio.create_task(queue.join())
        try:
            while not join.done():
                done, _ = await asyncio.wait([join, *workers], return_when=asyncio.FIRST_COMPLETED)
                for w in workers:
                    if w.done():
                        w.result()
        finally:
            join.cancel()
    finally:
        for w in workers:
            w.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
    return {name: results[name] for name in names}
