"""The official openai SDK against the simulated model: tool loops, streamed tool calls, parse().

Mostly in process (course_utils.openai_client: the server's ASGI app, no sockets); one test
goes through a real server subprocess to check the same bytes survive uvicorn and a socket.
"""

from __future__ import annotations

import asyncio
import json
from typing import Literal, Optional

import openai
import pytest
from pydantic import BaseModel

from course_utils import clock
from course_utils.faults import FaultPlan
from course_utils.inprocess import openai_client
from course_utils.scripting import Reply, ToolCalls, call
from course_utils.serving import ServerProcess, server_args

MODEL = "sim-fast"
WEATHER = {"type": "function", "function": {
    "name": "get_weather", "description": "Get the current weather for a city", "strict": True,
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}},
                   "required": ["city"], "additionalProperties": False}}}
SEARCH = {"type": "function", "function": {
    "name": "web_search", "description": "Search the web",
    "parameters": {"type": "object", "properties": {"query": {"type": "string"}}, "required": ["query"]}}}


def run_tool(name: str, arguments: str) -> str:
    args = json.loads(arguments)
    if name == "get_weather":
        return f"{args['city']}: sunny, 21 C"
    return f"3 pages about {args['query']}"


async def test_a_chat_tool_loop_with_parallel_calls():
    client = openai_client(seed=1)
    messages = [{"role": "user", "content": "What's the weather in Oslo and Lima? Also search the web for asyncio."}]
    rounds = 0
    while True:
        reply = await client.chat.completions.create(model=MODEL, messages=messages, tools=[WEATHER, SEARCH])
        choice = reply.choices[0]
        if choice.finish_reason != "tool_calls":
            break
        rounds += 1
        assert choice.message.content is None
        assert [(c.function.name, json.loads(c.function.arguments)) for c in choice.message.tool_calls] == [
            ("get_weather", {"city": "Oslo"}), ("get_weather", {"city": "Lima"}),
            ("web_search", {"query": "asyncio"})]
        assert reply.usage.completion_tokens > 0
        messages.append(choice.message.model_dump(exclude_none=True))
        for c in choice.message.tool_calls:
            messages.append({"role": "tool", "tool_call_id": c.id, "content": run_tool(c.function.name, c.function.arguments)})
    assert rounds == 1 and choice.finish_reason == "stop"
    for expected in ("Oslo: sunny, 21 C", "Lima: sunny, 21 C", "3 pages about asyncio"):
        assert expected in choice.message.content
    await client.close()


async def test_streamed_tool_calls_reassemble_with_the_sdk_helpers():
    client = openai_client(seed=2)
    messages = [{"role": "user", "content": "Weather in Paris and Rome?"}]
    whole = await client.chat.completions.create(model=MODEL, messages=messages, tools=[WEATHER])
    done_events = []
    twin = openai_client(seed=2)  # the same seed and call sequence: the same call ids
    async with twin.chat.completions.stream(model=MODEL, messages=messages, tools=[WEATHER],
                                              stream_options={"include_usage": True}) as stream:
        async for event in stream:
            if event.type == "tool_calls.function.arguments.done":
                done_events.append((event.index, event.name, event.parsed_arguments))
        final = await stream.get_final_completion()
    assert done_events == [(0, "get_weather", {"city": "Paris"}), (1, "get_weather", {"city": "Rome"})]
    calls = final.choices[0].message.tool_calls
    assert [(c.id, c.function.arguments) for c in calls] == \
        [(c.id, c.function.arguments) for c in whole.choices[0].message.tool_calls]
    assert final.choices[0].finish_reason == "tool_calls"
    assert final.usage.completion_tokens == whole.usage.completion_tokens


async def test_raw_stream_chunks_follow_openais_shape():
    client = openai_client(seed=3)
    stream = await client.chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": "Weather in Oslo?"}], tools=[WEATHER],
        stream=True, stream_options={"include_usage": True})
    chunks = [chunk async for chunk in stream]
    first = chunks[0].choices[0].delta
    assert first.role == "assistant" and first.tool_calls[0].id.startswith("call_")
    assert first.tool_calls[0].function.name == "get_weather" and first.tool_calls[0].function.arguments == ""
    fragments = [c.choices[0].delta.tool_calls[0] for c in chunks[1:-2]]
    assert all(f.id is None and f.function.name is None for f in fragments)
    assert json.loads("".join(f.function.arguments for f in fragments)) == {"city": "Oslo"}
    assert chunks[-2].choices[0].finish_reason == "tool_calls"
    assert chunks[-1].choices == [] and chunks[-1].usage.completion_tokens == len(chunks) - 2


class Step(BaseModel):
    explanation: str
    output: str


class MathReasoning(BaseModel):
    steps: list[Step]
    final_answer: str
    note: Optional[str]
    kind: Literal["algebra", "geometry"]
    best: Step


async def test_parse_with_a_pydantic_model():
    client = openai_client(seed=4)
    for _ in range(3):
        completion = await client.chat.completions.parse(
            model=MODEL, messages=[{"role": "user", "content": "Solve 8x + 7 = -23 step by step"}],
            response_format=MathReasoning)
        message = completion.choices[0].message
        assert isinstance(message.parsed, MathReasoning) and message.parsed.steps
        assert completion.choices[0].finish_reason == "stop"


async def test_parse_with_a_strict_pydantic_tool():
    client = openai_client(seed=5)

    class GetWeather(BaseModel):
        """Get the current weather for a city."""
        city: str

    completion = await client.chat.completions.parse(
        model=MODEL, messages=[{"role": "user", "content": "What's the weather in Oslo?"}],
        tools=[openai.pydantic_function_tool(GetWeather)])
    [tc] = completion.choices[0].message.tool_calls
    assert tc.function.parsed_arguments == GetWeather(city="Oslo")


async def test_stop_over_http():
    client = openai_client(seed=6)
    plain = await client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "Tell me about queues"}])
    word = plain.choices[0].message.content.split()[4]
    cut = await client.chat.completions.create(model=MODEL, stop=word,
                                               messages=[{"role": "user", "content": "Tell me about queues"}])
    assert word not in cut.choices[0].message.content
    assert plain.choices[0].message.content.startswith(cut.choices[0].message.content)
    assert cut.choices[0].finish_reason == "stop"


async def test_a_scripted_agent_turn_over_http():
    client = openai_client(seed=7, script=[
        ToolCalls(call("slow_tool", n=1), call("fast_tool", n=2), call("failing_tool", n=3)),
        Reply("Two of three tools answered.")])
    reply = await client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "go"}])
    calls = reply.choices[0].message.tool_calls
    assert [c.function.name for c in calls] == ["slow_tool", "fast_tool", "failing_tool"]
    messages = [{"role": "user", "content": "go"}, reply.choices[0].message.model_dump(exclude_none=True)]
    messages += [{"role": "tool", "tool_call_id": c.id, "content": "ok"} for c in calls]
    final = await client.chat.completions.create(model=MODEL, messages=messages)
    assert final.choices[0].message.content == "Two of three tools answered."


async def test_a_cut_in_the_middle_of_arguments_breaks_the_stream():
    client = openai_client(seed=8, faults=FaultPlan(script=["cut"]), max_retries=0)
    stream = await client.chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": "Weather in Oslo?"}], tools=[WEATHER], stream=True)
    received = []
    with pytest.raises(openai.APIConnectionError):
        async for chunk in stream:
            received.append(chunk)
    assert received and received[-1].choices[0].delta.tool_calls[0].function.arguments
    assert client.course_app.state.sim.stats.cut == 1


async def test_too_big_for_the_token_bucket_is_a_400_the_sdk_does_not_retry():
    client = openai_client(seed=9, tpm=100)
    with pytest.raises(openai.BadRequestError) as caught:
        await client.chat.completions.create(model=MODEL, max_tokens=200,
                                             messages=[{"role": "user", "content": "hello"}])
    assert caught.value.code == "request_too_large" and "retrying will not help" in caught.value.message
    assert client.course_app.state.sim.stats.sdk_retries == 0


async def test_streams_are_paced_not_buffered():
    client = openai_client(seed=10)
    start = clock.now()
    stream = await client.chat.completions.create(
        model="sim-large", messages=[{"role": "user", "content": "Tell me about event loops"}], stream=True)
    arrivals = [clock.now() - start async for _ in stream]
    # The first chunk comes at TTFT, long before the last: the transport does not buffer.
    assert arrivals[0] < arrivals[-1] / 2


def test_the_same_bytes_through_a_real_server():
    with ServerProcess(server_args(model=MODEL, seed=11, time_scale=0.05)) as server:
        with openai.OpenAI(base_url=server.base_url, api_key="x", max_retries=0) as client:
            messages = [{"role": "user", "content": "Weather in Oslo and Lima?"}]
            with client.chat.completions.stream(model=MODEL, messages=messages, tools=[WEATHER]) as stream:
                final = stream.get_final_completion()
            calls = final.choices[0].message.tool_calls
            assert [c.function.parsed_arguments for c in calls] == [{"city": "Oslo"}, {"city": "Lima"}]
            parsed = client.chat.completions.parse(model=MODEL, response_format=MathReasoning,
                                                   messages=[{"role": "user", "content": "Solve x+1=2"}])
            assert isinstance(parsed.choices[0].message.parsed, MathReasoning)


async def test_three_parallel_tool_calls_one_slow_one_failing():
    """The staging a lesson needs: the model's turns are scripted, the tools are plain asyncio."""
    client = openai_client(seed=12, script=[
        ToolCalls(call("slow_lookup", q="a"), call("fast_lookup", q="b"), call("broken_lookup", q="c"),
                  latency=0.5),
        None])  # the second turn is the policy's: prose that quotes the results

    async def run(name: str) -> str:
        if name == "slow_lookup":
            await clock.sleep(2.0)
        if name == "broken_lookup":
            raise RuntimeError("lookup service unavailable")
        return f"{name} found it"

    start = clock.now()
    messages = [{"role": "user", "content": "Look everything up"}]
    reply = await client.chat.completions.create(model=MODEL, messages=messages)
    calls = reply.choices[0].message.tool_calls
    results = await asyncio.gather(*(run(c.function.name) for c in calls), return_exceptions=True)
    messages.append(reply.choices[0].message.model_dump(exclude_none=True))
    for c, result in zip(calls, results):
        text = f"error: {result}" if isinstance(result, Exception) else result
        messages.append({"role": "tool", "tool_call_id": c.id, "content": text})
    final = await client.chat.completions.create(model=MODEL, messages=messages)
    elapsed = clock.now() - start
    text = final.choices[0].message.content
    assert "slow_lookup found it" in text and "error: lookup service unavailable" in text
    # At least the 0.5 s scripted turn plus the 2 s slow tool (sleeps never end early; an upper
    # bound would only measure the machine's load).
    assert elapsed >= 2.5
    assert client.course_app.state.sim.engine.usage.latencies[0] >= 0.5


def test_openai_client_follows_course_llm_base_url(monkeypatch):
    monkeypatch.setenv("COURSE_LLM_BASE_URL", "http://127.0.0.1:9/v1")
    with pytest.warns(UserWarning, match="seed"):
        client = openai_client(seed=3)
    assert str(client.base_url).startswith("http://127.0.0.1:9/v1")
    assert not hasattr(client, "course_app")
