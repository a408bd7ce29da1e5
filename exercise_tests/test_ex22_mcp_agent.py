"""Tests for ex22_mcp_agent: MCP tools offered to the model, called concurrently through one session.

The session here is a fake with the MCP client's shape (``list_tools`` / ``call_tool`` results
with ``.tools``, ``.content``, ``.is_error``), so the tests run on virtual time; the real stdio
round trip is tested in tests/test_mcp_server.py.
"""

from __future__ import annotations

import asyncio
import json
from types import SimpleNamespace as NS

from _helpers import Probe, Timer

EXERCISE = "ex22_mcp_agent"

SCHEMA_CITY = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
SCHEMA_ID = {"type": "object", "properties": {"student_id": {"type": "integer"}}, "required": ["student_id"]}
LISTED = NS(tools=[NS(name="get_weather", description="Current weather for a city.", input_schema=SCHEMA_CITY),
                   NS(name="get_grades", description=None, input_schema=SCHEMA_ID)])


class FakeSession:
    """One MCP client session: each call waits, then returns text blocks (or an error result)."""

    def __init__(self, seconds: dict[str, float]):
        self.seconds = seconds
        self.probe = Probe()
        self.received: list[tuple[str, dict]] = []

    async def call_tool(self, name: str, arguments: dict) -> NS:
        self.received.append((name, arguments))
        async with self.probe.track(name):
            await asyncio.sleep(self.seconds.get(name, 1.0))
        if name == "broken":
            return NS(content=[NS(type="text", text="Error executing tool broken")], is_error=True)
        return NS(content=[NS(type="text", text=f"{name} says"), NS(type="image", data="..."),
                           NS(type="text", text=json.dumps(arguments))], is_error=False)


def call(i: int, name: str, **arguments) -> NS:
    return NS(id=f"call_{i}", type="function", function=NS(name=name, arguments=json.dumps(arguments)))


def test_openai_tools_shape(ex):
    """Every MCP tool becomes an OpenAI function tool whose parameters are its input schema."""
    tools = ex.openai_tools(LISTED)
    assert isinstance(tools, list) and len(tools) == 2, (
        f"Expected one OpenAI tool per MCP tool (2), got {tools!r}.")
    first, second = tools
    assert first.get("type") == "function", (
        "Each tool needs \"type\": \"function\" at the top level, with the details under \"function\".")
    assert first.get("function", {}).get("name") == "get_weather", (
        f"The tool's name goes in tool[\"function\"][\"name\"]; got {first!r}.")
    assert first["function"].get("parameters") == SCHEMA_CITY, (
        "The model needs the tool's input_schema as tool[\"function\"][\"parameters\"]: that is how it "
        "knows which arguments to send.")
    assert first["function"].get("description") == "Current weather for a city.", (
        "Pass the tool's description on: the model chooses tools by reading it.")
    assert second["function"].get("description") == "", (
        "A tool without a description (None) should get \"\", not None: the API expects a string.")


async def test_calls_run_concurrently_in_order(ex):
    """Three calls through one session overlap, and the messages come back in call order."""
    session = FakeSession({"get_weather": 1.5, "get_grades": 0.5})
    calls = [call(1, "get_weather", city="Oslo"), call(2, "get_grades", student_id=3),
             call(3, "get_weather", city="Lima")]
    with Timer() as t:
        messages = await ex.call_tools(session, calls)
    assert session.probe.peak == 3 and t.elapsed < 1.9, (
        f"The three calls took {t.elapsed:.1f} s with at most {session.probe.peak} in flight at once; "
        f"started together through the one session they take 1.5 s. Start them all before awaiting "
        f"any (a TaskGroup or gather).")
    assert [m.get("tool_call_id") for m in messages] == ["call_1", "call_2", "call_3"], (
        "Return one message per tool call in the order of tool_calls (not in the order they finished), "
        "each with the call's id as tool_call_id.")
    assert all(m.get("role") == "tool" for m in messages), "Each result goes back as a message with role \"tool\"."
    assert session.received[0] == ("get_weather", {"city": "Oslo"}), (
        "call_tool needs the arguments as a dict: json.loads the call's arguments string.")
    assert messages[0]["content"] == 'get_weather says\n{"city": "Oslo"}', (
        f"The content should be the result's text blocks joined with newlines (skip the other blocks); "
        f"got {messages[0]['content']!r}.")


async def test_error_result_reaches_the_model(ex):
    """A result with is_error gets "Error: " in front; the other calls still succeed."""
    session = FakeSession({"broken": 0.2, "get_grades": 0.5})
    messages = await ex.call_tools(session, [call(1, "broken"), call(2, "get_grades", student_id=1)])
    assert messages[0]["content"] == "Error: Error executing tool broken", (
        f"When result.is_error is true, the model should read \"Error: \" followed by the result's text; "
        f"got {messages[0]['content']!r}.")
    assert messages[1]["content"].startswith("get_grades says"), "The other call's result is lost."


async def test_hanging_tool_times_out(ex):
    """A call slower than the timeout becomes an error message; the others keep their results."""
    session = FakeSession({"stuck": 60.0, "get_grades": 0.5})
    with Timer() as t:
        messages = await ex.call_tools(session, [call(1, "stuck"), call(2, "get_grades", student_id=1)],
                                       timeout=1.5)
    assert t.elapsed < 2.0, (
        f"call_tools took {t.elapsed:.1f} s because one tool hangs; each call should give up after "
        f"timeout seconds (async with asyncio.timeout(timeout)).")
    assert messages[0]["content"] == "Error: stuck timed out after 1.5 s", (
        f"A call that times out should read \"Error: <name> timed out after <timeout> s\"; got "
        f"{messages[0]['content']!r}.")
    assert messages[1]["content"].startswith("get_grades says"), (
        "The timed-out call must not take the other call's result with it.")
