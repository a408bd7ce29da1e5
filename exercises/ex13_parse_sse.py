# Exercise stub generated from solutions/ex13_parse_sse.py: write your code where it raises NotImplementedError.
"""Lesson 13 (httpx) · Read a streamed chat completion (Server-Sent Events) by hand.

With ``"stream": true`` an OpenAI-compatible server answers with lines such as::

    data: {"choices":[{"index":0,"delta":{"role":"assistant","content":""}}], ...}

    data: {"choices":[{"index":0,"delta":{"content":"Hello"}}], ...}

    data: {"choices":[{"index":0,"delta":{}, "finish_reason":"stop"}], ...}

    data: [DONE]

Your task
---------
Write ``sse_text(lines)``, where ``lines`` is an *async* iterable of lines (what
``response.aiter_lines()`` gives you), and return the answer's text:

* only lines that start with ``data:`` matter (the space after the colon is optional); skip
  blank lines, comments (lines starting with ``:``) and anything else;
* ``data: [DONE]`` ends the answer: return the text at once, without reading further lines;
* every other ``data:`` line is a JSON chunk: add ``choices[0]["delta"]["content"]`` when it is
  there and not empty; a chunk may have no choices at all (the usage chunk) or a delta without
  content (the first and the last chunk);
* if the lines run out before ``[DONE]``, the connection was cut: raise
  ``StreamInterrupted`` (from ``course_utils.faults``) with ``tokens_received`` set to the number
  of content pieces you got.
"""

from __future__ import annotations

import json
from typing import AsyncIterable

from course_utils.faults import StreamInterrupted


async def sse_text(lines: AsyncIterable[str]) -> str:
    """The text of a streamed chat completion, read from its Server-Sent Events lines."""
    raise NotImplementedError("ex13_parse_sse.sse_text is not written yet: replace this line with your code. Need a nudge? hint('ex13_parse_sse')")
