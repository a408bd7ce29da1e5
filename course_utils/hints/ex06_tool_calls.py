"""Hints for ex06_tool_calls, from a nudge to near-code; shown one at a time by hint("ex06_tool_calls").

Read with ast, never imported. Only the last tier may come close to the answer."""

HINTS = [
    "Both functions start one coroutine per call: TOOLS[name](**arguments). They differ only in "
    "what happens when one of them raises.",
    "async with asyncio.TaskGroup() as tg: tasks = [tg.create_task(...) for ...] -- when the block "
    "ends every task is finished, so task.result() is safe after it. For the tolerant version, "
    "gather(..., return_exceptions=True) puts exceptions in the result list.",
    "async with asyncio.TaskGroup() as tg: tasks = [tg.create_task(TOOLS[n](**a)) for n, a in calls]; "
    "return [t.result() for t in tasks]. Tolerant: results = await asyncio.gather(*(TOOLS[n](**a) "
    "for n, a in calls), return_exceptions=True), then turn each into the dict.",
]
