"""Lesson 12 (Streaming) · Show what arrived within a time budget, then stop the stream.

A chat UI can wait only so long. When the budget runs out, the user should get the text that
has arrived so far (marked as incomplete), and the stream must be stopped and closed, not left
running in the background.

Your task
---------
Write ``stream_with_deadline(llm, prompt, seconds)``:

* stream ``llm.stream(prompt)`` for at most ``seconds`` seconds;
* return a tuple ``(text, complete)``: ``text`` is every token that arrived within the budget,
  joined and stripped (``""`` if none did); ``complete`` is ``True`` only if the whole answer
  arrived in time;
* return as soon as the budget is spent (not when the answer would have ended);
* close the stream in both cases.
"""

from __future__ import annotations

import asyncio
from contextlib import aclosing


async def stream_with_deadline(llm, prompt: str, seconds: float) -> tuple[str, bool]:
    """The text that arrived within ``seconds`` seconds, and whether it is the whole answer."""
    # BEGIN SOLUTION
    tokens: list[str] = []
    complete = False
    async with aclosing(llm.stream(prompt)) as stream:
        try:
            async with asyncio.timeout(seconds):
                async for token in stream:
                    tokens.append(token)
            complete = True
        except TimeoutError:
            pass
    return "".join(tokens).strip(), complete
    # END SOLUTION
