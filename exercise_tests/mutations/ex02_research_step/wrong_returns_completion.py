# MUTATION: returns the Completion object instead of its text
# EXPECT: .text
async def research(question, queries, llm):
    results = await asyncio.gather(*(tools.search_web(q) for q in queries))
    return await llm.complete(build_prompt(question, list(results)))
