# MUTATION: expects exactly "data: " with a space, and reads on past [DONE]
# EXPECT: the space after the colon is optional
# EXPECT: return as soon as it arrives
async def sse_text(lines):
    parts = []
    done = False
    async for line in lines:
        if not line.startswith("data: "):
            continue
        data = line[6:]
        if data == "[DONE]":
            done = True
            continue
        choices = json.loads(data).get("choices") or []
        if choices and choices[0].get("delta", {}).get("content"):
            parts.append(choices[0]["delta"]["content"])
    if not done:
        raise StreamInterrupted("cut", tokens_received=len(parts))
    return "".join(parts)
