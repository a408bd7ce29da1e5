# MUTATION: tolerant as a TaskGroup of wrappers that turn a tool's Exception into an entry
async def run_tool_calls(calls):
    async with asyncio.TaskGroup() as tg:
        tasks = [tg.create_task(TOOLS[name](**args)) for name, args in calls]
    return [t.result() for t in tasks]


async def run_tool_calls_tolerant(calls):
    async def one(name, args):
        try:
            return {"ok": True, "result": await TOOLS[name](**args)}
        except Exception as error:  # a cancellation is not a tool failure: it goes through
            return {"ok": False, "error": f"{type(error).__name__}: {error}"}

    async with asyncio.TaskGroup() as tg:
        tasks = [tg.create_task(one(name, args)) for name, args in calls]
    return [t.result() for t in tasks]
