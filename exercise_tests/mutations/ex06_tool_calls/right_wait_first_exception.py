# asyncio.wait(FIRST_EXCEPTION) with a manual cancel and an ExceptionGroup of its own;
# the tolerant version wraps each call and uses a TaskGroup.
async def run_tool_calls(calls):
    tasks = [asyncio.create_task(TOOLS[name](**args)) for name, args in calls]
    try:
        done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    errors = [t.exception() for t in tasks if not t.cancelled() and t.exception() is not None]
    if errors:
        raise ExceptionGroup("tool calls failed", errors)
    return [t.result() for t in tasks]


async def run_tool_calls_tolerant(calls):
    async def one(name, args):
        try:
            return {"ok": True, "result": await TOOLS[name](**args)}
        except Exception as error:
            return {"ok": False, "error": f"{type(error).__name__}: {error}"}

    async with asyncio.TaskGroup() as tg:
        tasks = [tg.create_task(one(name, args)) for name, args in calls]
    return [t.result() for t in tasks]
