# MUTATION: awaits each call in turn, so a slow tool holds up the others
# EXPECT: start them all before awaiting
def openai_tools(listed):
    return [{"type": "function", "function": {"name": t.name, "description": t.description or "",
                                              "parameters": t.input_schema}} for t in listed.tools]


async def call_tools(session, tool_calls, timeout=2.0):
    messages = []
    for call in tool_calls:
        name = call.function.name
        try:
            async with asyncio.timeout(timeout):
                result = await session.call_tool(name, json.loads(call.function.arguments))
        except TimeoutError:
            text = f"Error: {name} timed out after {timeout} s"
        else:
            text = "\n".join(b.text for b in result.content if b.type == "text")
            if result.is_error:
                text = f"Error: {text}"
        messages.append({"role": "tool", "tool_call_id": call.id, "content": text})
    return messages
