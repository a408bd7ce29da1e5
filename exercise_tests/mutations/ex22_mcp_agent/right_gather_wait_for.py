# gather with asyncio.wait_for per call, and a helper for the text
def openai_tools(listed):
    out = []
    for tool in listed.tools:
        function = {"name": tool.name, "description": tool.description if tool.description else "",
                    "parameters": dict(tool.input_schema)}
        out.append({"type": "function", "function": function})
    return out


def text_of(result):
    parts = [block.text for block in result.content if getattr(block, "type", None) == "text"]
    return ("Error: " if result.is_error else "") + "\n".join(parts)


async def call_tools(session, tool_calls, timeout=2.0):
    async def one(call):
        try:
            result = await asyncio.wait_for(
                session.call_tool(call.function.name, json.loads(call.function.arguments)), timeout)
            content = text_of(result)
        except asyncio.TimeoutError:
            content = f"Error: {call.function.name} timed out after {timeout} s"
        return {"role": "tool", "tool_call_id": call.id, "content": content}

    return await asyncio.gather(*map(one, tool_calls))
