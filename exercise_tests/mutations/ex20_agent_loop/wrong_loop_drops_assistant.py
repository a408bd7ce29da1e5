# MUTATION: the loop sends the tool results back without the assistant message that asked for them
# EXPECT: the assistant message with its tool_calls
async def run_tool_calls(tool_calls):
    async def one(c):
        try:
            async with asyncio.timeout(TIMEOUTS.get(c.function.name, DEFAULT_TIMEOUT)):
                result = await TOOLS[c.function.name](**json.loads(c.function.arguments))
            content = json.dumps(result)
        except Exception as error:
            content = f"error: {type(error).__name__}: {error}"
        return {"role": "tool", "tool_call_id": c.id, "content": content}

    async with asyncio.TaskGroup() as tg:
        tasks = [tg.create_task(one(c)) for c in tool_calls]
    return [t.result() for t in tasks]


async def agent_loop(client, question, max_steps=5):
    messages = [{"role": "user", "content": question}]
    for _ in range(max_steps):
        reply = await client.chat.completions.create(model=MODEL, messages=messages, tools=SCHEMAS)
        message = reply.choices[0].message
        if not message.tool_calls:
            return message.content
        messages += await run_tool_calls(message.tool_calls)
    raise StepBudgetExceeded("budget")
