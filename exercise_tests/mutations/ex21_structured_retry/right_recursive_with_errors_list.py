# Recursion on the remaining attempts; the feedback lists each error's message.
async def ask_structured(client, question, schema, max_attempts=3, _messages=None):
    messages = _messages or [{"role": "user", "content": question}]
    try:
        completion = await client.chat.completions.parse(model=MODEL, messages=messages, response_format=schema)
    except ValidationError as exc:
        if max_attempts <= 1:
            raise
        problems = "; ".join(e["msg"] for e in exc.errors())
        return await ask_structured(client, question, schema, max_attempts - 1,
                                    messages + [{"role": "user", "content": "Invalid answer: " + problems}])
    msg = completion.choices[0].message
    if msg.refusal is not None:
        raise Refused(msg.refusal)
    return msg.parsed
