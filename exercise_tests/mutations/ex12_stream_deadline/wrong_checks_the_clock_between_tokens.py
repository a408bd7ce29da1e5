# MUTATION: looks at the clock after each token, so it notices the deadline only when a token arrives
# EXPECT: arrives after the deadline does not count
async def stream_with_deadline(llm, prompt, seconds):
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    tokens = []
    async with aclosing(llm.stream(prompt)) as stream:
        async for token in stream:
            tokens.append(token)
            if loop.time() > deadline:
                return "".join(tokens).strip(), False
    return "".join(tokens).strip(), True
