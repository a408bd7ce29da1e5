# asyncio.timeout around a gather that shields nothing: on the deadline, cancel what is left.
async def run_and_report(jobs, timeout):
    tasks = {name: asyncio.create_task(coro, name=name) for name, coro in jobs.items()}
    try:
        async with asyncio.timeout(timeout):
            await asyncio.gather(*tasks.values(), return_exceptions=True)
    except TimeoutError:
        pass
    for task in tasks.values():
        task.cancel()
    await asyncio.gather(*tasks.values(), return_exceptions=True)
    out = {}
    for name, task in tasks.items():
        if task.cancelled():
            out[name] = "cancelled"
        else:
            try:
                out[name] = f"done: {task.result()!r}"
            except Exception as error:
                out[name] = f"failed: {type(error).__name__}: {error}"
    return out
