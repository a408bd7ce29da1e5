# MUTATION: awaits each search before starting the next (a for loop with await inside)
# EXPECT: one after the other
async def research(question, queries, llm):
    results = []
    for query in queries:
        results.append(await tools.search_web(query))
    completion = await llm.complete(build_prompt(question, results))
    return completion.text
