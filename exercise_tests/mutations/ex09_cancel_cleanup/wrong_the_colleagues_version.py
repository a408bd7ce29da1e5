# MUTATION: the colleague's code, unchanged: except BaseException, close() only on success
# EXPECT: swallows that cancellation
# EXPECT: finally block
async def run_step(session, llm, prompt):
    await session.open()
    try:
        answer = await llm.complete(prompt)
    except BaseException as error:
        session.log(f"step failed: {error!r}")
        return None
    await session.close()
    return answer.text
