# Catches CancelledError to clean up, then re-raises it; closes explicitly on each path.
async def run_step(session, llm, prompt):
    await session.open()
    try:
        answer = await llm.complete(prompt)
    except asyncio.CancelledError:
        await session.close()
        raise
    except LLMError as error:
        session.log(f"step failed: {type(error).__name__}: {error}")
        await session.close()
        return None
    except BaseException:
        await session.close()
        raise
    await session.close()
    return answer.text
