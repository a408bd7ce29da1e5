# MUTATION: reads choices[0]["delta"]["content"] from every chunk (the usage chunk has no choices)
# EXPECT: IndexError
async def sse_text(lines):
    text = ""
    count = 0
    async for line in lines:
        if line.startswith("data:"):
            data = line[5:].strip()
            if data == "[DONE]":
                return text
            delta = json.loads(data)["choices"][0]["delta"]
            if delta.get("content"):
                text += delta["content"]
                count += 1
    raise StreamInterrupted("cut", tokens_received=count)
