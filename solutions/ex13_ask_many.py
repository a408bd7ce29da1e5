"""Lesson 13 (httpx) · Many questions through one shared HTTP client: a sliding window and a deadline per request.

An agent that answers a batch of questions should reuse one ``httpx.AsyncClient`` (one pool of
connections) and keep a bounded number of requests in flight. Two details decide how well it
works. Requests take different times, so a free slot must be reused at once (a sliding window),
not after the slowest request of a batch. And httpx has no overall deadline: its read timeout
bounds the gap between two chunks of a response, so a server that keeps dribbling bytes never
trips it. ``asyncio.timeout`` gives a request a real deadline.

Your task
---------
Write ``ask_many(client, questions, limit, *, timeout=None)``:

* ``client`` is an ``httpx.AsyncClient`` whose ``base_url`` ends in ``/v1``: POST each question
  to the relative URL ``"/chat/completions"`` with the JSON body
  ``{"model": settings().model, "messages": [{"role": "user", "content": question}]}``;
* use that client for every request (do not create clients of your own);
* keep at most ``limit`` requests in flight at any moment, and start the next question as soon
  as a request ends (not batch by batch);
* give each request at most ``timeout`` seconds (``None``: no limit), counted from when it is
  sent -- time spent waiting for a free slot does not count. A request that runs out of time is
  cancelled and its answer is ``None``; the other questions carry on;
* raise ``httpx.HTTPStatusError`` for an error status (``response.raise_for_status()``), on its
  own or inside an ``ExceptionGroup`` (if you use a ``TaskGroup``);
* return the answers (``choices[0].message.content`` of each response) in question order.
"""

from __future__ import annotations

import asyncio

import httpx

from course_utils import settings


async def ask_many(client: httpx.AsyncClient, questions: list[str], limit: int, *,
                   timeout: float | None = None) -> list[str | None]:
    """Answer every question through ``client``, ``limit`` at a time, each within ``timeout``; in order."""
    # BEGIN SOLUTION
    slots = asyncio.Semaphore(limit)

    async def ask(question: str) -> str | None:
        body = {"model": settings().model, "messages": [{"role": "user", "content": question}]}
        async with slots:
            try:
                async with asyncio.timeout(timeout):  # inside the slot: only the request's own time
                    response = await client.post("/chat/completions", json=body)
            except TimeoutError:
                return None
        response.raise_for_status()
        return response.json()["choices"][0]["message"]["content"]

    return list(await asyncio.gather(*(ask(q) for q in questions)))
    # END SOLUTION
