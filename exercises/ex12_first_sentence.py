# Exercise stub generated from solutions/ex12_first_sentence.py: write your code where it raises NotImplementedError.
"""Lesson 12 (Streaming) · Stop a stream after its first sentence, and close it.

A voice agent speaks sentence by sentence, and a router often needs only the first sentence of
an answer. Reading on wastes time and keeps the connection busy; and leaving the loop with
``break`` alone does not close the stream (lesson 12).

Your task
---------
Write ``first_sentence(llm, prompt)``:

* stream the answer with ``llm.stream(prompt)``;
* return the text up to and including the first token that ends a sentence (a token that is
  ``"."``, ``"!"`` or ``"?"`` once stripped), joined and stripped, e.g.
  ``"Here is what I know about queues."``;
* return as soon as that token arrives: do not read the rest of the answer;
* close the stream before returning (``contextlib.aclosing``, ``async with llm.stream(...)``,
  or ``await stream.aclose()``), so that its connection is released;
* if the answer has no sentence end at all, return the whole text.
"""

from __future__ import annotations

from contextlib import aclosing


SENTENCE_ENDS = (".", "!", "?")


async def first_sentence(llm, prompt: str) -> str:
    """The answer's first sentence, returned as soon as it is complete; the stream is closed."""
    raise NotImplementedError("ex12_first_sentence.first_sentence is not written yet: replace this line with your code. Need a nudge? hint('ex12_first_sentence')")
