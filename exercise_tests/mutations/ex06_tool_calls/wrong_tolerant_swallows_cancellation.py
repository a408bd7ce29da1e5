# MUTATION: tolerant via a wrapper that catches BaseException: a cancellation becomes an error entry
# EXPECT: caught the CancelledError
# EXPECT: catch `Exception`
async def run_tool_calls(calls):
    async with asyncio.TaskGroup() as tg:
        tasks = [tg.create_task(TOOLS[name](**args)) for name, args in calls]
    return [t.result() for t in tasks]


async def run_tool_calls_tolerant(calls):
    async def one(name, args):
        try:
            return {"ok": True, "result": await TOOLS[name](**args)}
        except BaseException as error:  # "catch everything, the model can cope"
            return {"ok": False, "error": f"{type(error).__name__}: {error}"}

    return list(await asyncio.gather(*(one(name, args) for name, args in calls)))
