# MUTATION: counts retries instead of attempts, so it sends max_attempts + 1 requests
# EXPECT: allows exactly 3 requests
async def ask_structured(client, question, schema, max_attempts=3):
    messages = [{"role": "user", "content": question}]
    retries = 0
    while True:
        try:
            completion = await client.chat.completions.parse(model=MODEL, messages=messages, response_format=schema)
        except ValidationError as error:
            if retries == max_attempts:
                raise
            retries += 1
            messages.append({"role": "user", "content": f"Please fix: {error}"})
            continue
        message = completion.choices[0].message
        if message.refusal:
            raise Refused(message.refusal)
        return message.parsed
