# MUTATION: "anything wrong with the primary means: ask the secondary" -- including a cancellation
# EXPECT: let a cancellation through
async def answer_with_fallback(primary, secondary, prompt, *, timeout=2.0):
    try:
        async with asyncio.timeout(timeout):
            return await primary.complete(prompt)
    except BaseException:
        pass
    async with asyncio.timeout(timeout):
        return await secondary.complete(prompt)
