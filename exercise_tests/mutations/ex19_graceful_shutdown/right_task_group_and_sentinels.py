# A TaskGroup of workers; after stop and the drain, one sentinel per worker ends them.
async def run_pool(queue, handle, stop, workers=3):
    handled = failed = 0
    done_marker = object()

    async def worker():
        nonlocal handled, failed
        while True:
            item = await queue.get()
            try:
                if item is done_marker:
                    return
                await handle(item)
                handled += 1
            except Exception:
                failed += 1
            finally:
                queue.task_done()

    async with asyncio.TaskGroup() as tg:
        for _ in range(workers):
            tg.create_task(worker())
        await stop.wait()
        await queue.join()
        for _ in range(workers):
            queue.put_nowait(done_marker)
    return {"handled": handled, "failed": failed}
