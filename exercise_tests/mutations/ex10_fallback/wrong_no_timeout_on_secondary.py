# MUTATION: the secondary gets no time limit
# EXPECT: each model gets 1.0
async def answer_with_fallback(primary, secondary, prompt, *, timeout=2.0):
    try:
        return await asyncio.wait_for(primary.complete(prompt), timeout)
    except (LLMError, TimeoutError):
        return await secondary.complete(prompt)
