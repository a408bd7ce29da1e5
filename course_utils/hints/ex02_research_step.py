"""Hints for ex02_research_step, from a nudge to near-code; shown one at a time by hint("ex02_research_step").

Read with ast, never imported. Only the last tier may come close to the answer."""

HINTS = [
    "There are two phases: the searches are independent of each other, but the model call needs "
    "all of them. Run the first phase concurrently, then the second.",
    "await asyncio.gather(*(tools.search_web(q) for q in queries)) gives you the list of results "
    "per query, in order. Only after that line do you have everything build_prompt needs.",
    "results = await asyncio.gather(*(tools.search_web(q) for q in queries)); "
    "completion = await llm.complete(build_prompt(question, results)); return completion.text",
]
