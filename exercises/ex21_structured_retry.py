# Exercise stub generated from solutions/ex21_structured_retry.py: write your code where it raises NotImplementedError.
"""Lesson 21 (Streaming tool calls and structured output) · A typed answer, with a bounded retry.

``client.chat.completions.parse(model=..., messages=..., response_format=Schema)`` returns a
completion whose ``choices[0].message.parsed`` is an instance of ``Schema`` -- or raises
``pydantic.ValidationError`` when the model's JSON breaks a rule of ``Schema`` (for instance a
validator the JSON schema cannot express). The model can often fix what it is told is wrong.

Your task
---------
Write ``ask_structured(client, question, schema, max_attempts=3)``:

- start from ``[{"role": "user", "content": question}]`` and call
  ``client.chat.completions.parse(model=MODEL, messages=messages, response_format=schema)``;
- return ``choices[0].message.parsed`` when it validates;
- on ``pydantic.ValidationError``: append a user message that says what was wrong (include the
  error's text, e.g. ``str(error)``) and ask again -- at most ``max_attempts`` requests in
  all; when the last one fails too, raise that ``ValidationError``;
- if the model refuses (``message.refusal`` is set, ``parsed`` is ``None``), raise
  ``Refused(message.refusal)`` at once: asking again will not change its mind;
- any other error (a timeout, a server error, a cancellation) is not a validation problem:
  let it through at once, without another request.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

MODEL = "sim-fast"
T = TypeVar("T", bound=BaseModel)


class Refused(RuntimeError):
    """The model refused to answer; the text is its refusal. (Given.)"""


async def ask_structured(client: Any, question: str, schema: type[T], max_attempts: int = 3) -> T:
    """A validated ``schema`` instance, asking again (with the error) up to ``max_attempts`` times."""
    raise NotImplementedError("ex21_structured_retry.ask_structured is not written yet: replace this line with your code. Need a nudge? hint('ex21_structured_retry')")
