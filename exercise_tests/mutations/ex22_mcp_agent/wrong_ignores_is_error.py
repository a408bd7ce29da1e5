# MUTATION: treats an error result like a success (tool errors are results, not exceptions)
# EXPECT: is_error is true
def openai_tools(listed):
    return [{"type": "function", "function": {"name": t.name, "description": t.description or "",
                                              "parameters": t.input_schema}} for t in listed.tools]


async def call_tools(session, tool_calls, timeout=2.0):
    async def one(call):
        name = call.function.name
        try:
            async with asyncio.timeout(timeout):
                result = await session.call_tool(name, json.loads(call.function.arguments))
        except TimeoutError:
            return {"role": "tool", "tool_call_id": call.id, "content": f"Error: {name} timed out after {timeout} s"}
        except Exception as error:
            return {"role": "tool", "tool_call_id": call.id, "content": f"Error: {error}"}
        text = "\n".join(b.text for b in result.content if b.type == "text")
        return {"role": "tool", "tool_call_id": call.id, "content": text}

    return list(await asyncio.gather(*(one(c) for c in tool_calls)))
