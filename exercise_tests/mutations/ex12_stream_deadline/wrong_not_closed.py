# MUTATION: the timeout is right, but the stream is never closed
# EXPECT: not closed
async def stream_with_deadline(llm, prompt, seconds):
    tokens = []
    try:
        async with asyncio.timeout(seconds):
            async for token in llm.stream(prompt):
                tokens.append(token)
        return "".join(tokens).strip(), True
    except TimeoutError:
        return "".join(tokens).strip(), False
