# MUTATION: falls back on every Exception, so a bug in the request looks like an outage
# EXPECT: catch only LLMError and TimeoutError
async def answer_with_fallback(primary, secondary, prompt, *, timeout=2.0):
    try:
        async with asyncio.timeout(timeout):
            return await primary.complete(prompt)
    except Exception:
        pass
    async with asyncio.timeout(timeout):
        return await secondary.complete(prompt)
