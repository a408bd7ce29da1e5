# MUTATION: runs the calls one after the other in a loop
# EXPECT: Start every call before waiting for any
async def run_tool_calls(tool_calls):
    out = []
    for c in tool_calls:
        try:
            async with asyncio.timeout(TIMEOUTS.get(c.function.name, DEFAULT_TIMEOUT)):
                result = await TOOLS[c.function.name](**json.loads(c.function.arguments))
            content = json.dumps(result)
        except Exception as error:
            content = f"error: {type(error).__name__}: {error}"
        out.append({"role": "tool", "tool_call_id": c.id, "content": content})
    return out


async def agent_loop(client, question, max_steps=5):
    messages = [{"role": "user", "content": question}]
    for _ in range(max_steps):
        reply = await client.chat.completions.create(model=MODEL, messages=messages, tools=SCHEMAS)
        message = reply.choices[0].message
        if not message.tool_calls:
            return message.content
        messages.append(message.model_dump(exclude_none=True))
        messages += await run_tool_calls(message.tool_calls)
    raise StepBudgetExceeded("budget")
