# MUTATION: starts the model call together with the searches, before any result is back
# EXPECT: build_prompt
async def research(question, queries, llm):
    found = []
    *results, completion = await asyncio.gather(*(tools.search_web(q) for q in queries),
                                               llm.complete(build_prompt(question, found)))
    return completion.text
