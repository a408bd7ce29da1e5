# MUTATION: asks the very same question again without saying what was wrong
# EXPECT: tell the model what was wrong
async def ask_structured(client, question, schema, max_attempts=3):
    messages = [{"role": "user", "content": question}]
    for attempt in range(max_attempts):
        try:
            completion = await client.chat.completions.parse(model=MODEL, messages=messages, response_format=schema)
        except ValidationError:
            if attempt == max_attempts - 1:
                raise
            continue
        message = completion.choices[0].message
        if message.refusal:
            raise Refused(message.refusal)
        return message.parsed
