# MUTATION: closes in finally, but "handles" the cancellation by returning None
# EXPECT: instead of ending cancelled
async def run_step(session, llm, prompt):
    await session.open()
    try:
        answer = await llm.complete(prompt)
        return answer.text
    except asyncio.CancelledError:
        return None
    except LLMError as error:
        session.log(f"step failed: {error!r}")
        return None
    finally:
        await session.close()
