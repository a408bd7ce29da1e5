# MUTATION: lets the cancellation through, but only starts close() as a background task
# EXPECT: had not finished when run_step ended
async def run_step(session, llm, prompt):
    await session.open()
    try:
        answer = await llm.complete(prompt)
    except LLMError as error:
        session.log(f"step failed: {error!r}")
        return None
    finally:
        asyncio.ensure_future(session.close())
    return answer.text
