# MUTATION: the Responses API's flat tool shape instead of Chat Completions' nested "function"
# EXPECT: tool["function"]["name"]
def openai_tools(listed):
    return [{"type": "function", "name": t.name, "description": t.description or "",
             "parameters": t.input_schema} for t in listed.tools]


async def call_tools(session, tool_calls, timeout=2.0):
    async def one(call):
        name = call.function.name
        try:
            async with asyncio.timeout(timeout):
                result = await session.call_tool(name, json.loads(call.function.arguments))
        except TimeoutError:
            return {"role": "tool", "tool_call_id": call.id, "content": f"Error: {name} timed out after {timeout} s"}
        text = "\n".join(b.text for b in result.content if b.type == "text")
        return {"role": "tool", "tool_call_id": call.id, "content": f"Error: {text}" if result.is_error else text}

    return list(await asyncio.gather(*(one(c) for c in tool_calls)))
