# MUTATION: wait_for around a helper that collects the whole answer: on timeout, what arrived is lost
# EXPECT: Expected the
async def stream_with_deadline(llm, prompt, seconds):
    async def collect():
        async with aclosing(llm.stream(prompt)) as stream:
            return [token async for token in stream]

    try:
        tokens = await asyncio.wait_for(collect(), seconds)
    except TimeoutError:
        return "", False
    return "".join(tokens).strip(), True
