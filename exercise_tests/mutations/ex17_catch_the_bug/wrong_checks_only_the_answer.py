# MUTATION: checks only that a correct answer comes back after failures
# EXPECT: Your check passed an agent with a bug
async def check_agent(make_agent):
    llm, sleep = AsyncMock(), AsyncMock()
    llm.complete.side_effect = [ServerError("busy"), SimpleNamespace(text="ok")]
    answer = await make_agent(llm, sleep).ask("What is an event loop?")
    assert answer == "ok"
