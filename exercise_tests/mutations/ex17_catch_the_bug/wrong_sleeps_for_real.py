# MUTATION: hands the agent the real asyncio.sleep, so the check waits 60 seconds
# EXPECT: Pass a fake sleep
async def check_agent(make_agent):
    llm = AsyncMock()
    llm.complete.side_effect = [ServerError("busy")] * 4 + [SimpleNamespace(text="ok")]
    answer = await make_agent(llm, asyncio.sleep).ask("What is an event loop?")
    assert answer == "ok"
    assert llm.complete.await_count == 5
