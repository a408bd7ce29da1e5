# removeprefix, and defensive .get() chains; counting the pieces as they come.
async def sse_text(lines):
    pieces = []
    async for raw in lines:
        if raw[:5] != "data:":
            continue
        payload = raw.removeprefix("data:").strip()
        if payload == "[DONE]":
            return "".join(pieces)
        for choice in json.loads(payload).get("choices", [])[:1]:
            piece = (choice.get("delta") or {}).get("content")
            if piece:
                pieces.append(piece)
    raise StreamInterrupted("the connection was cut", tokens_received=len(pieces))
