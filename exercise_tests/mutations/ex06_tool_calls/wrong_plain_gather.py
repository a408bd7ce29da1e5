# MUTATION: all-or-nothing with plain gather: the first error escapes, the other calls keep running
# EXPECT: an ExceptionGroup was expected
async def run_tool_calls(calls):
    return list(await asyncio.gather(*(TOOLS[name](**args) for name, args in calls)))


async def run_tool_calls_tolerant(calls):
    results = await asyncio.gather(*(TOOLS[name](**args) for name, args in calls), return_exceptions=True)
    return [{"ok": False, "error": f"{type(r).__name__}: {r}"} if isinstance(r, Exception)
            else {"ok": True, "result": r} for r in results]
