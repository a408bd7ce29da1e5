# A TaskGroup instead of gather; results read from the tasks afterwards.
async def research(question, queries, llm):
    async with asyncio.TaskGroup() as tg:
        tasks = [tg.create_task(tools.search_web(q)) for q in queries]
    reply = await llm.complete(build_prompt(question, [t.result() for t in tasks]))
    return reply.text
