"""Hints for ex22_mcp_agent, from a nudge to near-code; shown one at a time by hint("ex22_mcp_agent").

Read with ast, never imported. Only the last tier may come close to the answer."""

HINTS = [
    "openai_tools is one dict per tool in listed.tools. call_tools starts one coroutine per tool "
    "call, all through the same session, and waits for them together.",
    "Write an inner async def one(call) that does everything for one call (json.loads the "
    "arguments, asyncio.timeout, join the text blocks, mark errors) and returns its message; then "
    "run one(call) for every call in a TaskGroup (or gather) so they overlap and keep their order.",
    "Inside one(call): try: async with asyncio.timeout(timeout): result = await "
    "session.call_tool(name, json.loads(call.function.arguments)) / except TimeoutError: text = "
    "f\"Error: {name} timed out after {timeout} s\" / else: text = \"\\n\".join(b.text for b in "
    "result.content if b.type == \"text\"), with \"Error: \" in front if result.is_error.",
]
