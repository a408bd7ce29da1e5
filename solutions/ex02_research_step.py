"""Lesson 02 (Why async) · One research step of an agent: search in parallel, then ask the model.

An agent answers a question in two steps: it runs a few web searches, then asks the model
with everything it found. The searches do not depend on each other, so they should run at the
same time; the model call depends on all of them, so it must wait for the last one.

Your task
---------
Write ``research(question, queries, llm)``:

1. Call ``tools.search_web(query)`` for every query in ``queries``, all at the same time.
2. When all the searches are back, build the prompt with ``build_prompt(question, results)``,
   where ``results`` holds one list of search results per query, in the order of ``queries``.
3. Make exactly one call, ``await llm.complete(prompt)``, and return the answer's ``.text``.

With three searches of ~0.5 seconds and a model call of ~0.6, the whole step takes
about 1.1 seconds, not 2.1.
"""

from __future__ import annotations

import asyncio

from course_utils import tools


def build_prompt(question: str, results: list[list[dict]]) -> str:
    """The prompt for the model: the question, then one line per search result. (Given.)"""
    lines = [f"- {item['title']}: {item['snippet']}" for found in results for item in found]
    return f"{question}\n\nSources:\n" + "\n".join(lines)


async def research(question: str, queries: list[str], llm) -> str:
    """Search for every query concurrently, then ask ``llm`` once with all the results."""
    # BEGIN SOLUTION
    results = await asyncio.gather(*(tools.search_web(q) for q in queries))
    completion = await llm.complete(build_prompt(question, list(results)))
    return completion.text
    # END SOLUTION
