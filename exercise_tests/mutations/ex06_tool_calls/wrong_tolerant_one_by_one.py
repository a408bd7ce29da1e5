# MUTATION: the tolerant version calls the tools one after the other in a try/except loop
# EXPECT: together they take 1.0
async def run_tool_calls(calls):
    async with asyncio.TaskGroup() as tg:
        tasks = [tg.create_task(TOOLS[name](**args)) for name, args in calls]
    return [t.result() for t in tasks]


async def run_tool_calls_tolerant(calls):
    out = []
    for name, args in calls:
        try:
            out.append({"ok": True, "result": await TOOLS[name](**args)})
        except Exception as error:
            out.append({"ok": False, "error": f"{type(error).__name__}: {error}"})
    return out
