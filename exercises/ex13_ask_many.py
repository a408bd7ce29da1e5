# Exercise stub generated from solutions/ex13_ask_many.py: write your code where it raises NotImplementedError.
"""Lesson 13 (httpx) · Many questions through one shared HTTP client, a few at a time.

An agent that answers a batch of questions should reuse one ``httpx.AsyncClient`` (one pool of
connections) and keep a bounded number of requests in flight: more than the pool has
connections and the rest wait in the pool, where ``httpx.PoolTimeout`` is waiting for them.

Your task
---------
Write ``ask_many(client, questions, limit)``:

* ``client`` is an ``httpx.AsyncClient`` whose ``base_url`` ends in ``/v1``: POST each question
  to the relative URL ``"/chat/completions"`` with the JSON body
  ``{"model": settings().model, "messages": [{"role": "user", "content": question}]}``;
* use that client for every request (do not create clients of your own);
* keep at most ``limit`` requests in flight at any moment, and as many as ``limit`` while
  questions are waiting;
* raise ``httpx.HTTPStatusError`` for an error status (``response.raise_for_status()``);
* return the answers (``choices[0].message.content`` of each response) in question order.
"""

from __future__ import annotations

import asyncio

import httpx

from course_utils import settings


async def ask_many(client: httpx.AsyncClient, questions: list[str], limit: int) -> list[str]:
    """Answer every question through ``client``, at most ``limit`` requests at a time, in order."""
    raise NotImplementedError("ex13_ask_many.ask_many is not written yet: replace this line with your code. Need a nudge? hint('ex13_ask_many')")
