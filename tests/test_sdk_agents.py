"""An agent's view of the server through the official openai SDK: Chat Completions.

The model decides when to call tools (the engine's policy); these tests check what a client
relies on over the wire -- shapes, ids, JSON arguments valid against the schema, the loop
closing once results arrive, streaming that reassembles to the same message, ``parse()``.
"""

from __future__ import annotations

import json

import openai
import pytest
from pydantic import BaseModel

from inprocess import sim_client

PARIS = [{"role": "user", "content": "What is the weather in Paris?"}]
BOTH = [{"role": "user", "content": "What is the weather in Paris and the local time in Tokyo?"}]


def _tool(name: str, description: str) -> dict:
    return {"type": "function", "function": {
        "name": name, "description": description, "strict": True,
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}},
                       "required": ["city"], "additionalProperties": False}}}


WEATHER = _tool("get_weather", "Current weather for a city")
TIME = _tool("get_time", "Current local time in a city")
TOOLS = [WEATHER, TIME]


def run_tool(name: str, arguments: str) -> str:
    args = json.loads(arguments)
    assert set(args) == {"city"} and isinstance(args["city"], str), args
    return f"{'sunny, 21 C' if name == 'get_weather' else '14:05'} in {args['city']}"


class Forecast(BaseModel):
    city: str
    summary: str
    temperature_c: int


async def test_tool_loop_calls_then_answers_from_the_results():
    async with sim_client() as (sdk, _):
        messages = list(PARIS)
        first = await sdk.chat.completions.create(model="sim-fast", messages=messages, tools=TOOLS)
        choice = first.choices[0]
        assert choice.finish_reason == "tool_calls"
        calls = choice.message.tool_calls
        assert calls and all(c.type == "function" for c in calls)
        assert {c.function.name for c in calls} == {"get_weather"}
        assert choice.message.content is None
        assert first.usage.completion_tokens > 0
        messages.append(choice.message.model_dump(exclude_none=True))
        results = [run_tool(c.function.name, c.function.arguments) for c in calls]
        messages += [{"role": "tool", "tool_call_id": c.id, "content": r} for c, r in zip(calls, results)]
        second = await sdk.chat.completions.create(model="sim-fast", messages=messages, tools=TOOLS)
        assert second.choices[0].finish_reason == "stop"
        assert not second.choices[0].message.tool_calls
        assert "sunny, 21 C" in second.choices[0].message.content


async def test_independent_needs_become_parallel_calls_in_one_message():
    async with sim_client() as (sdk, _):
        reply = await sdk.chat.completions.create(model="sim-fast", messages=BOTH, tools=TOOLS)
        calls = reply.choices[0].message.tool_calls
        assert {c.function.name for c in calls} == {"get_weather", "get_time"}
        assert len({c.id for c in calls}) == len(calls)
        assert all(c.id.startswith("call_") for c in calls)
        for call in calls:
            run_tool(call.function.name, call.function.arguments)
        single = await sdk.chat.completions.create(model="sim-fast", messages=BOTH, tools=TOOLS,
                                                   parallel_tool_calls=False)
        assert len(single.choices[0].message.tool_calls) == 1


async def test_tool_choice_is_obeyed():
    async with sim_client() as (sdk, _):
        none = await sdk.chat.completions.create(model="sim-fast", messages=PARIS, tools=TOOLS,
                                                 tool_choice="none")
        assert none.choices[0].finish_reason == "stop" and not none.choices[0].message.tool_calls
        joke = [{"role": "user", "content": "Tell me a joke."}]
        forced = await sdk.chat.completions.create(model="sim-fast", messages=joke, tools=TOOLS,
                                                   tool_choice="required")
        assert forced.choices[0].message.tool_calls
        named = await sdk.chat.completions.create(
            model="sim-fast", messages=PARIS, tools=TOOLS,
            tool_choice={"type": "function", "function": {"name": "get_time"}})
        assert {c.function.name for c in named.choices[0].message.tool_calls} == {"get_time"}


async def test_streamed_tool_calls_reassemble_to_the_plain_answer():
    async with sim_client() as (sdk, _):
        plain = await sdk.chat.completions.create(model="sim-fast", messages=BOTH, tools=TOOLS)
    async with sim_client() as (sdk, _):  # a fresh server: the same call index, so the same ids
        kinds: list[str] = []
        done: dict[int, object] = {}
        async with sdk.chat.completions.stream(model="sim-fast", messages=BOTH, tools=TOOLS,
                                               stream_options={"include_usage": True}) as stream:
            async for event in stream:
                kinds.append(event.type)
                if event.type == "tool_calls.function.arguments.done":
                    done[event.index] = event.parsed_arguments
            final = await stream.get_final_completion()
    expected = [(c.id, c.function.name, c.function.arguments) for c in plain.choices[0].message.tool_calls]
    got = [(c.id, c.function.name, c.function.arguments) for c in final.choices[0].message.tool_calls]
    assert got == expected
    assert final.choices[0].finish_reason == "tool_calls"
    assert kinds.count("tool_calls.function.arguments.delta") > len(expected)  # really in pieces
    # Strict tools: the SDK parses each call's arguments once it is complete.
    assert [done[i] for i in sorted(done)] == [json.loads(a) for _, _, a in expected]
    assert final.usage is not None and final.usage.completion_tokens == plain.usage.completion_tokens


async def test_parse_returns_a_model_instance():
    async with sim_client() as (sdk, _):
        completion = await sdk.chat.completions.parse(
            model="sim-fast", messages=[{"role": "user", "content": "Forecast for Paris"}],
            response_format=Forecast)
        parsed = completion.choices[0].message.parsed
        assert isinstance(parsed, Forecast)
        assert Forecast.model_validate_json(completion.choices[0].message.content) == parsed
        # And a pydantic tool: parse() checks it is strict, the SDK parses the arguments.
        tooled = await sdk.chat.completions.parse(
            model="sim-fast", messages=[{"role": "user", "content": "Forecast for Paris"}],
            tools=[openai.pydantic_function_tool(Forecast)], tool_choice="required")
        call = tooled.choices[0].message.tool_calls[0]
        assert isinstance(call.function.parsed_arguments, Forecast)


async def test_json_object_and_stop_are_honoured():
    async with sim_client() as (sdk, _):
        reply = await sdk.chat.completions.create(
            model="sim-fast", messages=[{"role": "user", "content": "Describe Paris as JSON."}],
            response_format={"type": "json_object"})
        assert isinstance(json.loads(reply.choices[0].message.content), dict)
        full = await sdk.chat.completions.create(model="sim-fast", messages=PARIS)
        words = full.choices[0].message.content.split()
        stop = words[len(words) // 2]
        cut = await sdk.chat.completions.create(model="sim-fast", messages=PARIS, stop=[stop])
        text = cut.choices[0].message.content
        assert stop not in text and full.choices[0].message.content.startswith(text)
        assert cut.choices[0].finish_reason == "stop"


@pytest.mark.parametrize("fault, error", [("rate_limit", openai.RateLimitError),
                                          ("error", openai.InternalServerError),
                                          ("overloaded", openai.InternalServerError)])
async def test_faults_on_a_tool_call_are_errors_before_any_answer(fault, error):
    async with sim_client() as (sdk, _):
        with pytest.raises(error) as caught:
            await sdk.chat.completions.create(model="sim-fast", messages=PARIS, tools=TOOLS,
                                              extra_headers={"x-course-fault": fault})
        assert caught.value.response.headers["x-should-retry"] == "true"
