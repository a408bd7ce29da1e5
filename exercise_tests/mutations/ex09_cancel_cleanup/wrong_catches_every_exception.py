# MUTATION: except Exception: lets cancellation through, but also hides bugs that are not LLMErrors
# EXPECT: catch only LLMError
async def run_step(session, llm, prompt):
    await session.open()
    try:
        return (await llm.complete(prompt)).text
    except Exception as error:
        session.log(f"step failed: {error!r}")
        return None
    finally:
        await session.close()
