# Exercise stub generated from solutions/ex12_stream_deadline.py: write your code where it raises NotImplementedError.
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
    raise NotImplementedError("ex12_stream_deadline.stream_with_deadline is not written yet: replace this line with your code. Need a nudge? hint('ex12_stream_deadline')")
