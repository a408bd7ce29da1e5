# Exercise stub generated from solutions/ex20_agent_loop.py: write your code where it raises NotImplementedError.
"""Lesson 20 (The agent loop) · Run a model's tool calls: concurrently, each with its own deadline.

A model's reply can ask for several tools at once: ``message.tool_calls`` is a list of calls,
each with an ``id``, a ``function.name`` and ``function.arguments`` (a JSON **string**). Your
agent must answer every call with a ``tool`` message, and must not crash because one tool did.

Your task
---------
1. ``run_tool_calls(tool_calls)``: run all the calls **concurrently** and return one tool
   message per call, in the order of ``tool_calls``::

       {"role": "tool", "tool_call_id": <the call's id>, "content": <text>}

   - the tool is ``TOOLS[name]``, called with the parsed arguments as keywords;
   - each call gets its **own** deadline: ``TIMEOUTS.get(name, DEFAULT_TIMEOUT)`` seconds;
   - success: ``content`` is ``json.dumps(result)``;
   - anything that goes wrong with one call (the tool raises, times out, the name is unknown,
     the arguments are not valid JSON) becomes ``content`` starting with ``"error:"`` followed by
     the exception's type name, e.g. ``"error: TimeoutError"``; the other calls carry on;
   - a cancellation from outside (the user stops the agent) must still stop every running call.
   Three calls taking 0.4, 0.3 and 0.1 s finish in about 0.4 s, not 0.8.
2. ``agent_loop(client, question, max_steps=5)``: the loop. Send
   ``[{"role": "user", "content": question}]`` with ``client.chat.completions.create(model=MODEL,
   messages=messages, tools=SCHEMAS)``; while the reply's message has ``tool_calls``, append that
   message (``message.model_dump(exclude_none=True)``) and the tool messages from
   ``run_tool_calls``, then ask again. Return the first reply's ``content`` that has no tool
   calls. After ``max_steps`` model calls without a final answer, raise ``StepBudgetExceeded``.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from course_utils import tools

MODEL = "sim-fast"

#: The tools the model may call, by name. (Given; the tests add fake tools to it.)
TOOLS: dict[str, Any] = {
    "get_weather": tools.get_weather,
    "search_web": tools.search_web,
    "read_document": tools.read_document,
    "get_grades": tools.get_grades,
}

#: Seconds each tool may take; tools not listed get DEFAULT_TIMEOUT. (Given.)
TIMEOUTS: dict[str, float] = {"search_web": 0.25}
DEFAULT_TIMEOUT = 1.0

#: What the model is offered (see lesson 20). (Given.)
SCHEMAS: list[dict] = [
    {"type": "function", "function": {"name": name, "parameters": {"type": "object"}}} for name in TOOLS
]


class StepBudgetExceeded(RuntimeError):
    """The model was still asking for tools after max_steps model calls. (Given.)"""


async def run_tool_calls(tool_calls: list[Any]) -> list[dict]:
    """One ``tool`` message per call, in order; the calls run at once, each with its deadline."""
    raise NotImplementedError("ex20_agent_loop.run_tool_calls is not written yet: replace this line with your code. Need a nudge? hint('ex20_agent_loop')")


async def agent_loop(client: Any, question: str, max_steps: int = 5) -> str:
    """Ask, run the tools asked for, repeat; the final answer's text, or StepBudgetExceeded."""
    raise NotImplementedError("ex20_agent_loop.agent_loop is not written yet: replace this line with your code. Need a nudge? hint('ex20_agent_loop')")
