# MUTATION: returns the text gathered so far when the lines run out, even without [DONE]
# EXPECT: StreamInterrupted when the lines run out before [DONE]
async def sse_text(lines):
    parts = []
    async for line in lines:
        if not line.startswith("data:"):
            continue
        data = line[5:].strip()
        if data == "[DONE]":
            break
        choices = json.loads(data).get("choices") or []
        if choices and choices[0].get("delta", {}).get("content"):
            parts.append(choices[0]["delta"]["content"])
    return "".join(parts)
