# MUTATION: pins the exact prompt text, so an agent that words its prompt differently "fails"
# EXPECT: rejects a correct agent
async def check_agent(make_agent):
    llm, sleep = AsyncMock(), AsyncMock()
    llm.complete.side_effect = [ServerError("busy")] * 4 + [SimpleNamespace(text="ok")]
    answer = await make_agent(llm, sleep).ask("What is an event loop?")
    assert answer == "ok"
    assert llm.complete.await_args_list == [call("What is an event loop?")] * 5
