# gather of per-call coroutines using asyncio.wait_for; the loop counts steps with a while loop.
async def _answer(c):
    name = c.function.name
    try:
        args = json.loads(c.function.arguments)
        value = await asyncio.wait_for(TOOLS[name](**args), TIMEOUTS.get(name, DEFAULT_TIMEOUT))
    except Exception as exc:
        return {"role": "tool", "tool_call_id": c.id, "content": "error: " + type(exc).__name__}
    return {"role": "tool", "tool_call_id": c.id, "content": json.dumps(value)}


async def run_tool_calls(tool_calls):
    return list(await asyncio.gather(*map(_answer, tool_calls)))


async def agent_loop(client, question, max_steps=5):
    messages = [{"role": "user", "content": question}]
    steps = 0
    while steps < max_steps:
        steps += 1
        reply = await client.chat.completions.create(model=MODEL, messages=messages, tools=SCHEMAS)
        msg = reply.choices[0].message
        if msg.tool_calls:
            messages.append(msg.model_dump(exclude_none=True))
            messages.extend(await run_tool_calls(msg.tool_calls))
        else:
            return msg.content
    raise StepBudgetExceeded(f"{max_steps} steps")
