"""Hints for ex20_agent_loop, from a nudge to near-code; shown one at a time by hint("ex20_agent_loop").

Read with ast, never imported. Only the last tier may come close to the answer."""

HINTS = [
    "Write a helper coroutine that handles ONE call from start to finish and always returns its tool "
    "message. Then run one helper per call at once, as in lesson 20.",
    "In the helper: json.loads the arguments, look the tool up by name, and await it inside "
    "`async with asyncio.timeout(...)` using that tool's own limit. Put all of it in one try block: "
    "`except Exception` catches ToolError, KeyError, JSONDecodeError and TimeoutError, but lets "
    "CancelledError (a BaseException) through.",
    "async with asyncio.TaskGroup() as tg: tasks = [tg.create_task(one(c)) for c in tool_calls], then "
    "return [t.result() for t in tasks]. The loop: for _ in range(max_steps): reply = await "
    "client.chat.completions.create(...); if the message has no tool_calls return its content; else "
    "messages.append(message.model_dump(exclude_none=True)) and messages += await run_tool_calls(...). "
    "After the for loop, raise StepBudgetExceeded.",
]
