# Exercise stub generated from solutions/ex06_tool_calls.py: write your code where it raises NotImplementedError.
"""Lesson 06 (Task groups) · Run a model's tool calls in parallel: all-or-nothing, and tolerant.

When a model asks for several tools at once ("parallel tool calls"), the agent should run them
concurrently. What to do when one fails depends on the situation:

* **all-or-nothing** -- the answer needs every result, so one failure should stop the others
  straight away and raise. ``asyncio.TaskGroup`` does exactly that: it cancels the siblings and
  raises an ``ExceptionGroup``;
* **tolerant** -- the model can cope with a missing result, so every call gets an entry, success
  or error. ``asyncio.gather(..., return_exceptions=True)`` collects errors as values.

Each call is ``(tool_name, arguments)``, e.g. ``("get_weather", {"city": "Oslo"})``; look the
tool up in ``TOOLS`` (always through ``TOOLS[name]``) and call it with ``**arguments``.

Your task
---------
1. ``run_tool_calls(calls)``: run them all concurrently inside a ``TaskGroup`` and return the
   results in the order of ``calls``. If one fails, the others are cancelled and the
   ``ExceptionGroup`` propagates.
2. ``run_tool_calls_tolerant(calls)``: run them all concurrently and return one dict per call,
   in order: ``{"ok": True, "result": <result>}`` or
   ``{"ok": False, "error": "<ExceptionType>: <message>"}``.
"""

from __future__ import annotations

import asyncio
from typing import Any

from course_utils import tools


#: The tools a model may call, by name. (Given; the tests add fake tools to it.)
TOOLS: dict[str, Any] = {
    "get_grades": tools.get_grades,
    "get_attendance": tools.get_attendance,
    "get_weather": tools.get_weather,
    "search_web": tools.search_web,
    "read_document": tools.read_document,
}


async def run_tool_calls(calls: list[tuple[str, dict]]) -> list[Any]:
    """All-or-nothing: every result in order, or an ExceptionGroup after cancelling the rest."""
    raise NotImplementedError("ex06_tool_calls.run_tool_calls is not written yet: replace this line with your code. Need a nudge? hint('ex06_tool_calls')")


async def run_tool_calls_tolerant(calls: list[tuple[str, dict]]) -> list[dict]:
    """Tolerant: one ``{"ok": ...}`` entry per call, in order, whatever happened."""
    raise NotImplementedError("ex06_tool_calls.run_tool_calls_tolerant is not written yet: replace this line with your code. Need a nudge? hint('ex06_tool_calls')")
