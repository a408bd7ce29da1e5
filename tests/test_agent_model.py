"""The simulated model as an agent's brain: tool calls, scripted turns, JSON output, stop.

In process (SimulatedLLM / SimulatedLLMSync); the same engine answers over HTTP
(tests/test_openai_sdk.py). jsonschema (a Jupyter dependency) checks arguments and JSON.
"""

from __future__ import annotations

import json
import re
from typing import Literal, Optional

import jsonschema
import pytest
from pydantic import BaseModel, Field

from course_utils.faults import BadRequestError, FaultPlan, ServerError
from course_utils.llm import SimulatedLLM, SimulatedLLMSync, ToolCallDelta
from course_utils.schema_instances import Hints, instance
from course_utils.scripting import Reply, ToolCalls, call
from course_utils.toolpolicy import score, tool_specs


def tool(name: str, description: str = "", **properties: dict) -> dict:
    return {"type": "function", "function": {
        "name": name, "description": description,
        "parameters": {"type": "object", "properties": properties, "required": list(properties)}}}


WEATHER = tool("get_weather", "Get the current weather for a city",
               city={"type": "string"}, unit={"type": "string", "enum": ["celsius", "fahrenheit"]})
SEARCH = tool("web_search", "Search the web for pages about a topic", query={"type": "string"})
STOCK = tool("stock_price", "Latest share price of a company", ticker={"type": "string"})
TOOLS = [WEATHER, SEARCH, STOCK]


def user(text: str) -> list[dict]:
    return [{"role": "user", "content": text}]


def check_arguments(reply, tools=TOOLS) -> None:
    schemas = {t["function"]["name"]: t["function"]["parameters"] for t in tools}
    for c in reply.tool_calls:
        jsonschema.validate(json.loads(c.arguments), schemas[c.name])


def answer_all(messages: list[dict], reply, results: dict[str, str]) -> list[dict]:
    messages = [*messages, reply.message]
    for c in reply.tool_calls:
        messages.append({"role": "tool", "tool_call_id": c.id, "content": results[c.name]})
    return messages


# ----------------------------------------------------------------------------- the policy


async def test_a_turn_that_needs_a_tool_gets_a_call():
    reply = await SimulatedLLM(seed=1).complete(user("What's the weather in Oslo, in celsius?"), tools=TOOLS)
    assert reply.finish_reason == "tool_calls" and reply.text == ""
    [c] = reply.tool_calls
    assert c.name == "get_weather" and c.args == {"city": "Oslo", "unit": "celsius"}
    assert re.fullmatch(r"call_[A-Za-z0-9]{24}", c.id)
    assert reply.completion_tokens > 0 and reply.message["content"] is None
    check_arguments(reply)


async def test_independent_needs_become_parallel_calls_in_one_message():
    messages = user("Compare the weather in Oslo and Lima, and search the web for asyncio timeouts.")
    reply = await SimulatedLLM(seed=2).complete(messages, tools=TOOLS)
    assert [(c.name, c.args.get("city") or c.args.get("query")) for c in reply.tool_calls] == [
        ("get_weather", "Oslo"), ("get_weather", "Lima"), ("web_search", "asyncio timeouts")]
    assert len({c.id for c in reply.tool_calls}) == 3
    check_arguments(reply)


async def test_parallel_tool_calls_false_calls_one_tool_per_turn():
    llm = SimulatedLLM(seed=3)
    messages = user("Search the web for event loops and get the stock price of ACME.")
    first = await llm.complete(messages, tools=TOOLS, parallel_tool_calls=False)
    # "stock price" names the tool outright, "search the web" only has its words: best first.
    assert [c.name for c in first.tool_calls] == ["stock_price"]
    messages = answer_all(messages, first, {"stock_price": "ACME: 12.5 USD"})
    second = await llm.complete(messages, tools=TOOLS, parallel_tool_calls=False)
    assert [c.name for c in second.tool_calls] == ["web_search"]
    messages = answer_all(messages, second, {"web_search": "Event loops run callbacks."})
    final = await llm.complete(messages, tools=TOOLS, parallel_tool_calls=False)
    assert final.tool_calls == () and final.finish_reason == "stop"


async def test_once_results_are_in_the_answer_uses_them():
    llm = SimulatedLLM(seed=4)
    messages = user("What is the weather in Oslo?")
    reply = await llm.complete(messages, tools=TOOLS)
    messages = answer_all(messages, reply, {"get_weather": "Sunny and 21 degrees in Oslo"})
    final = await llm.complete(messages, tools=TOOLS)
    assert final.finish_reason == "stop" and not final.tool_calls
    assert "Sunny and 21 degrees in Oslo" in final.text


async def test_a_turn_that_needs_no_tool_gets_prose():
    reply = await SimulatedLLM(seed=5).complete(user("Summarize: queues decouple producers."), tools=TOOLS)
    assert reply.tool_calls == () and reply.finish_reason == "stop" and reply.text


async def test_tool_choice_none_required_and_named():
    llm = SimulatedLLM(seed=6)
    weather = user("What's the weather in Oslo?")
    assert (await llm.complete(weather, tools=TOOLS, tool_choice="none")).tool_calls == ()
    forced = await llm.complete(user("Hello there"), tools=TOOLS, tool_choice="required")
    assert len(forced.tool_calls) == 1 and forced.finish_reason == "tool_calls"
    named = await llm.complete(weather, tools=TOOLS,
                               tool_choice={"type": "function", "function": {"name": "stock_price"}})
    assert [c.name for c in named.tool_calls] == ["stock_price"]
    check_arguments(named)
    with pytest.raises(BadRequestError, match="not found in 'tools'"):
        await llm.complete(weather, tools=TOOLS, tool_choice={"type": "function", "function": {"name": "nope"}})
    with pytest.raises(BadRequestError):
        await llm.complete(weather, tools=TOOLS, tool_choice="sometimes")


class Forecast(BaseModel):
    city: str
    summary: str
    temperature_c: float


async def test_required_choice_ends_with_the_output_tool_like_pydantic_ai():
    final_result = {"type": "function", "function": {
        "name": "final_result", "description": "The final response", "strict": True,
        "parameters": Forecast.model_json_schema()}}
    tools = [WEATHER, final_result]
    llm = SimulatedLLM(seed=7)
    messages = user("What's the weather in Oslo?")
    first = await llm.complete(messages, tools=tools, tool_choice="required")
    assert [c.name for c in first.tool_calls] == ["get_weather"]
    messages = answer_all(messages, first, {"get_weather": "sunny, 21 degrees"})
    second = await llm.complete(messages, tools=tools, tool_choice="required")
    assert [c.name for c in second.tool_calls] == ["final_result"]
    result = Forecast.model_validate_json(second.tool_calls[0].arguments)
    assert result.city == "Oslo" and result.temperature_c == 21


def test_the_policy_scores_names_and_descriptions():
    [weather, search, stock] = tool_specs(TOOLS)
    assert score(weather, "call get_weather please") >= 100
    assert score(weather, "Is it raining? What's the weather like?") >= 10
    assert score(stock, "How much does one share of the company cost? the latest price") >= 2
    assert score(search, "Tell me a joke") == 0


async def test_calls_are_deterministic_per_seed_and_match_the_sync_twin():
    messages = user("Weather in Paris and Rome please; search the web for pasta.")
    a = await SimulatedLLM(seed=8).complete(messages, tools=TOOLS)
    b = SimulatedLLMSync(seed=8).complete(messages, tools=TOOLS)
    assert a.tool_calls == b.tool_calls and a.completion_tokens == b.completion_tokens
    c = await SimulatedLLM(seed=9).complete(messages, tools=TOOLS)
    assert [x.id for x in c.tool_calls] != [x.id for x in a.tool_calls]


async def test_streamed_deltas_reassemble_into_the_same_calls():
    messages = user("Weather in Paris and Rome please; search the web for pasta.")
    whole = await SimulatedLLM(seed=10).complete(messages, tools=TOOLS)
    stream = SimulatedLLM(seed=10).stream(messages, tools=TOOLS)
    deltas = [p async for p in stream.events()]
    assert all(isinstance(d, ToolCallDelta) for d in deltas)
    rebuilt: dict[int, dict] = {}
    seen: list[int] = []
    for d in deltas:
        if d.id is not None:  # a call opens with its id and name, and empty arguments
            assert d.arguments == "" and d.index not in rebuilt
            rebuilt[d.index] = {"id": d.id, "name": d.name, "arguments": ""}
            seen.append(d.index)
        else:
            assert d.index == seen[-1]  # each call streamed contiguously
            rebuilt[d.index]["arguments"] += d.arguments
    assert [(r["id"], r["name"], r["arguments"]) for r in rebuilt.values()] == \
        [(c.id, c.name, c.arguments) for c in whole.tool_calls]
    assert stream.completion.tool_calls == whole.tool_calls
    assert [t async for t in SimulatedLLM(seed=10).stream(messages, tools=TOOLS)] == []  # no content


async def test_max_tokens_can_cut_a_call_short():
    reply = await SimulatedLLM(seed=11).complete(user("Weather in Oslo?"), tools=TOOLS, max_tokens=4)
    assert reply.finish_reason == "length" and reply.completion_tokens == 4


async def test_content_parts_and_tool_messages_are_read():
    messages = [{"role": "system", "content": "Be brief."},
                {"role": "user", "content": [{"type": "text", "text": "Weather in Oslo?"}]}]
    reply = await SimulatedLLM(seed=12).complete(messages, tools=TOOLS)
    assert reply.tool_calls[0].args["city"] == "Oslo"
    with pytest.raises(BadRequestError):
        await SimulatedLLM().complete([{"role": "user", "content": [{"type": "image_url"}]}])
    with pytest.raises(BadRequestError):
        await SimulatedLLM().complete(user("hi"), tools=[{"type": "function", "function": {}}])
    with pytest.raises(TypeError, match="unexpected keyword"):
        await SimulatedLLM().complete(user("hi"), temprature=0)


# ----------------------------------------------------------------------------- scripted turns


async def test_scripted_turns_drive_the_conversation():
    script = [ToolCalls(call("search", query="asyncio"), call("weather", city="Oslo"),
                        call("stocks", {"ticker": "ACME"}), latency=2.0),
              None,
              Reply("All three answered.", latency=0.5)]
    llm = SimulatedLLM(seed=13, script=script)
    messages = user("Do three things at once")
    first = await llm.complete(messages)  # no tools passed: the script still calls them
    assert [(c.name, c.args) for c in first.tool_calls] == [
        ("search", {"query": "asyncio"}), ("weather", {"city": "Oslo"}), ("stocks", {"ticker": "ACME"})]
    assert first.latency == pytest.approx(2.0, rel=0.3)
    again = await llm.complete(messages)  # a retry of the same request: the same scripted turn
    assert [c.name for c in again.tool_calls] == ["search", "weather", "stocks"]
    messages = answer_all(messages, first, {"search": "a", "weather": "b", "stocks": "c"})
    second = await llm.complete(messages)  # None: the policy's turn (results in -> prose)
    assert second.tool_calls == () and "According to weather: b" in second.text
    messages += [second.message, {"role": "user", "content": "and?"}]
    third = await llm.complete(messages)
    assert third.text == "All three answered." and third.latency == pytest.approx(0.5, rel=0.3)
    with pytest.raises(TypeError):
        SimulatedLLM(script=["not a turn"])
    with pytest.raises(ValueError):
        Reply("x", latency=-1)


async def test_scripted_turns_still_meet_the_fault_plan():
    llm = SimulatedLLM(seed=14, script=[ToolCalls(call("f", x=1))], faults=FaultPlan(script=["error"]))
    with pytest.raises(ServerError):
        await llm.complete("go")
    assert (await llm.complete("go")).tool_calls[0].args == {"x": 1}


# ----------------------------------------------------------------------------- JSON output


class Step(BaseModel):
    explanation: str
    output: str


class Math(BaseModel):
    steps: list[Step]
    final_answer: str = Field(description="the answer")
    note: Optional[str]
    kind: Literal["algebra", "geometry"]
    best: Step
    count: int = Field(ge=1, le=5)
    tags: list[str] = Field(min_length=2)


async def test_json_schema_output_is_valid_for_pydantic_models():
    schema = Math.model_json_schema()
    fmt = {"type": "json_schema", "json_schema": {"name": "Math", "schema": schema, "strict": True}}
    texts = set()
    for seed in range(12):
        reply = await SimulatedLLM(seed=seed).complete("Solve 8x + 7 = -23 (algebra), in JSON", response_format=fmt)
        value = Math.model_validate_json(reply.text)
        assert reply.parsed == json.loads(reply.text)
        assert value.kind == "algebra"  # an enum value the prompt names is the one chosen
        texts.add(reply.text)
    assert len(texts) > 1  # seeds vary the values
    again = await SimulatedLLM(seed=3).complete("Solve 8x + 7 = -23 (algebra), in JSON", response_format=fmt)
    first = await SimulatedLLM(seed=3).complete("Solve 8x + 7 = -23 (algebra), in JSON", response_format=fmt)
    assert again.text == first.text


async def test_json_object_and_streamed_json():
    reply = await SimulatedLLM(seed=15).complete("Describe queues as json", response_format={"type": "json_object"})
    assert isinstance(reply.parsed, dict) and reply.parsed["answer"]
    stream = SimulatedLLM(seed=15).stream("Describe queues as json", response_format={"type": "json_object"})
    assert "".join([t async for t in stream]) == reply.text
    with pytest.raises(BadRequestError):
        await SimulatedLLM().complete("x", response_format={"type": "yaml"})


def test_schema_instances_cover_refs_unions_bounds_and_recursion():
    schema = {"$defs": {"Node": {"type": "object", "properties": {
        "name": {"type": "string"}, "children": {"type": "array", "items": {"$ref": "#/$defs/Node"}}},
        "required": ["name", "children"]}},
        "type": "object", "required": ["root", "n", "mode", "when", "maybe"], "properties": {
        "root": {"$ref": "#/$defs/Node"}, "n": {"type": "integer", "minimum": 10, "exclusiveMaximum": 12},
        "mode": {"enum": ["fast", "slow"]}, "when": {"type": "string", "format": "date"},
        "maybe": {"anyOf": [{"type": "null"}, {"type": "number", "multipleOf": 0.5}]}}}
    for seed in range(20):
        value = instance(schema, Hints("Go slow on 2024-03-01 with 11 items"), seed=seed)
        jsonschema.validate(value, schema)
        assert value["mode"] == "slow" and value["when"] == "2024-03-01" and value["n"] == 11
    assert instance({"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
                    Hints("flights from Oslo to Lima"), pick=1) == {"city": "Lima"}


# ----------------------------------------------------------------------------- stop


async def test_stop_cuts_before_the_sequence():
    plain = await SimulatedLLM(seed=16).complete("Tell me about event loops")
    stop = plain.text.split()[3]
    reply = await SimulatedLLM(seed=16).complete("Tell me about event loops", stop=[stop, "zzz"])
    assert stop not in reply.text and plain.text.startswith(reply.text)
    assert reply.finish_reason == "stop" and reply.completion_tokens < plain.completion_tokens
    streamed = SimulatedLLM(seed=16).stream("Tell me about event loops", stop=stop)
    assert "".join([t async for t in streamed]).strip() == reply.text
    with pytest.raises(BadRequestError):
        await SimulatedLLM().complete("x", stop=["a", "b", "c", "d", "e"])


async def test_a_scripted_reply_wins_over_response_format():
    llm = SimulatedLLM(seed=17, script=[Reply('{"city": "Oslo"}')])
    reply = await llm.complete("Which city?", response_format={"type": "json_object"})
    assert reply.text == '{"city": "Oslo"}' and reply.parsed == {"city": "Oslo"}
