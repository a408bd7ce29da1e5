# MUTATION: one timeout around the whole turn instead of one per call
# EXPECT: cut at its 0.5 s deadline
async def run_tool_calls(tool_calls):
    async def one(c):
        try:
            result = await TOOLS[c.function.name](**json.loads(c.function.arguments))
            content = json.dumps(result)
        except Exception as error:
            content = f"error: {type(error).__name__}: {error}"
        return {"role": "tool", "tool_call_id": c.id, "content": content}

    tasks = [asyncio.create_task(one(c)) for c in tool_calls]
    done, pending = await asyncio.wait(tasks, timeout=DEFAULT_TIMEOUT)
    for task in pending:
        task.cancel()
    out = []
    for c, task in zip(tool_calls, tasks):
        if task in done:
            out.append(task.result())
        else:
            out.append({"role": "tool", "tool_call_id": c.id, "content": "error: TimeoutError"})
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
