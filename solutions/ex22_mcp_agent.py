"""Lesson 22 (MCP tools) · Offer an MCP server's tools to the model, then run its calls at once.

An agent that uses an MCP server does two things with the session:

* it **lists** the server's tools and turns each into an OpenAI function tool, so the model can
  choose among them: ``{"type": "function", "function": {"name": ..., "description": ...,
  "parameters": <the tool's input schema>}}`` (the description may be missing: use ``""``);
* it **calls** the tools the model asked for, all at once through the ONE session it has, and
  hands each result back as a ``tool`` message.

A tool error is a result, not an exception: ``session.call_tool`` returns a result whose
``is_error`` is true and whose text says what went wrong. The model should see that text too.
A tool that hangs must not hang the agent.

Your task
---------
1. ``openai_tools(listed)``: ``listed`` is what ``await session.list_tools()`` returned; its
   ``.tools`` each have ``.name``, ``.description`` and ``.input_schema``. Return the list of
   OpenAI function tools, in the same order.
2. ``call_tools(session, tool_calls, timeout=2.0)``: each tool call has ``.id``,
   ``.function.name`` and ``.function.arguments`` (a JSON *string*). Call them all concurrently
   with ``await session.call_tool(name, arguments_dict)``, each within ``timeout`` seconds, and
   return one message per call, in the order of ``tool_calls``:
   ``{"role": "tool", "tool_call_id": <id>, "content": <text>}``. The text is the result's text
   blocks (``block.text`` of the blocks in ``result.content`` whose ``.type`` is ``"text"``)
   joined with newlines; when ``result.is_error`` is true, put ``"Error: "`` in front; a call that
   takes longer than ``timeout`` gets ``"Error: <name> timed out after <timeout> s"``.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any


def openai_tools(listed: Any) -> list[dict]:
    """The MCP server's tools as OpenAI function tools."""
    # BEGIN SOLUTION
    return [{"type": "function",
             "function": {"name": tool.name, "description": tool.description or "",
                          "parameters": tool.input_schema}}
            for tool in listed.tools]
    # END SOLUTION


async def call_tools(session: Any, tool_calls: list[Any], timeout: float = 2.0) -> list[dict]:
    """Run every tool call concurrently through ``session``; one ``tool`` message per call, in order."""
    # BEGIN SOLUTION
    async def one(call: Any) -> dict:
        name = call.function.name
        try:
            async with asyncio.timeout(timeout):
                result = await session.call_tool(name, json.loads(call.function.arguments))
        except TimeoutError:
            text = f"Error: {name} timed out after {timeout} s"
        else:
            text = "\n".join(block.text for block in result.content if block.type == "text")
            if result.is_error:
                text = f"Error: {text}"
        return {"role": "tool", "tool_call_id": call.id, "content": text}

    async with asyncio.TaskGroup() as tg:
        tasks = [tg.create_task(one(call)) for call in tool_calls]
    return [task.result() for task in tasks]
    # END SOLUTION
