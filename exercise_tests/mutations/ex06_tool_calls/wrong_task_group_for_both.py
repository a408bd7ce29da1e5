# MUTATION: uses a TaskGroup for the tolerant version too, so one failure stops every call
# EXPECT: gives every call an entry
async def run_tool_calls(calls):
    async with asyncio.TaskGroup() as tg:
        tasks = [tg.create_task(TOOLS[name](**args)) for name, args in calls]
    return [t.result() for t in tasks]


async def run_tool_calls_tolerant(calls):
    async with asyncio.TaskGroup() as tg:
        tasks = [tg.create_task(TOOLS[name](**args)) for name, args in calls]
    return [{"ok": True, "result": t.result()} for t in tasks]
