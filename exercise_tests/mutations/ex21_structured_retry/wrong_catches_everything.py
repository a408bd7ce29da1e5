# MUTATION: retries on every Exception, so a timeout is sent back to the model as "invalid"
# EXPECT: Catch ValidationError, not Exception
async def ask_structured(client, question, schema, max_attempts=3):
    messages = [{"role": "user", "content": question}]
    for attempt in range(max_attempts):
        try:
            completion = await client.chat.completions.parse(model=MODEL, messages=messages, response_format=schema)
        except Exception as error:
            if attempt == max_attempts - 1:
                raise
            messages.append({"role": "user", "content": f"That was invalid: {error}"})
            continue
        message = completion.choices[0].message
        if message.refusal:
            raise Refused(message.refusal)
        return message.parsed
