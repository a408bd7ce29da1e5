"""``POST /v1/responses`` through the official openai SDK: create, stream, parse, tool round trips.

The Responses API is an adapter over the same engine as Chat Completions, so for one seed both
APIs must say the same thing; the event stream must satisfy the SDK's ``responses.stream()``
state machine (which raises on any out-of-order event).
"""

from __future__ import annotations

import json

import httpx
import openai
import pytest
from pydantic import BaseModel

from course_utils.serving import serve_async
from inprocess import sim_client

QUESTION = "What is the weather in Paris and the local time in Tokyo?"


def _flat(name: str, description: str) -> dict:
    return {"type": "function", "name": name, "description": description, "strict": True,
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}},
                           "required": ["city"], "additionalProperties": False}}


TOOLS = [_flat("get_weather", "Current weather for a city"),
         _flat("get_time", "Current local time in a city")]


def run_tool(name: str, arguments: str) -> str:
    city = json.loads(arguments)["city"]
    return f"{'sunny, 21 C' if name == 'get_weather' else '14:05'} in {city}"


class Forecast(BaseModel):
    city: str
    summary: str
    temperature_c: int


async def test_create_says_what_chat_says():
    async with sim_client() as (sdk, _):
        response = await sdk.responses.create(model="sim-fast", input="Tell me about event loops",
                                              instructions="Be brief.")
    async with sim_client() as (sdk, _):
        chat = await sdk.chat.completions.create(model="sim-fast", messages=[
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "Tell me about event loops"}])
    assert response.object == "response" and response.status == "completed"
    assert response.id.startswith("resp_")
    assert response.output_text == chat.choices[0].message.content
    [item] = response.output
    assert item.type == "message" and item.role == "assistant" and item.status == "completed"
    assert response.usage.input_tokens == chat.usage.prompt_tokens
    assert response.usage.output_tokens == chat.usage.completion_tokens
    assert response.usage.total_tokens == response.usage.input_tokens + response.usage.output_tokens
    assert response.instructions == "Be brief." and response.model == "sim-fast"


async def test_tool_round_trip_with_items_and_with_previous_response_id():
    async with sim_client() as (sdk, _):
        first = await sdk.responses.create(model="sim-fast", input=QUESTION, tools=TOOLS)
        calls = [item for item in first.output if item.type == "function_call"]
        assert {c.name for c in calls} == {"get_weather", "get_time"}
        assert all(c.call_id.startswith("call_") and c.id.startswith("fc_") for c in calls)
        assert first.output_text == ""
        outputs = [{"type": "function_call_output", "call_id": c.call_id,
                    "output": run_tool(c.name, c.arguments)} for c in calls]
        # 1. The client replays everything (what openai-agents and pydantic-ai do by default).
        replay = [{"role": "user", "content": QUESTION},
                  *[c.model_dump(exclude_none=True) for c in calls], *outputs]
        answer = await sdk.responses.create(model="sim-fast", input=replay, tools=TOOLS)
        assert [item.type for item in answer.output] == ["message"]
        assert "sunny, 21 C" in answer.output_text and "14:05" in answer.output_text
        # 2. The server remembers the conversation: only the new items are sent.
        chained = await sdk.responses.create(model="sim-fast", input=outputs, tools=TOOLS,
                                             previous_response_id=first.id)
        assert chained.output_text == answer.output_text
        assert chained.previous_response_id == first.id


async def test_stream_events_follow_the_sdk_state_machine():
    async with sim_client() as (sdk, _):
        plain = await sdk.responses.create(model="sim-fast", input=QUESTION, tools=TOOLS)
    async with sim_client() as (sdk, _):
        events = []
        async with sdk.responses.stream(model="sim-fast", input=QUESTION, tools=TOOLS) as stream:
            async for event in stream:
                events.append(event)
            final = await stream.get_final_response()
    kinds = [e.type for e in events]
    assert kinds[:2] == ["response.created", "response.in_progress"]
    assert kinds[-1] == "response.completed"
    assert [e.sequence_number for e in events] == list(range(len(events)))
    assert kinds.count("response.output_item.added") == kinds.count("response.output_item.done") == len(plain.output)
    assert kinds.count("response.function_call_arguments.delta") > len(plain.output)
    # The stream helper adds ``parsed_arguments`` (strict tools); the rest must be identical.
    assert ([i.model_dump(exclude={"parsed_arguments"}) for i in final.output]
            == [i.model_dump() for i in plain.output])
    for event in events:  # each call's arguments are complete JSON when they are done
        if event.type == "response.function_call_arguments.done":
            assert set(json.loads(event.arguments)) == {"city"}


async def test_streamed_tool_round_trip():
    """An agent loop on the Responses API, streamed both ways: the calls arrive as stream events,
    their results go back as function_call_output items, the answer streams out using them."""
    async with sim_client() as (sdk, _):
        async with sdk.responses.stream(model="sim-fast", input=QUESTION, tools=TOOLS) as stream:
            first = await stream.get_final_response()
        calls = [item for item in first.output if item.type == "function_call"]
        assert {c.name for c in calls} == {"get_weather", "get_time"}
        replay = [{"role": "user", "content": QUESTION},
                  *[c.model_dump(exclude_none=True, exclude={"parsed_arguments"}) for c in calls],
                  *[{"type": "function_call_output", "call_id": c.call_id,
                     "output": run_tool(c.name, c.arguments)} for c in calls]]
        deltas = []
        async with sdk.responses.stream(model="sim-fast", input=replay, tools=TOOLS) as stream:
            async for event in stream:
                if event.type == "response.output_text.delta":
                    deltas.append(event.delta)
            answer = await stream.get_final_response()
        assert [item.type for item in answer.output] == ["message"]
        assert "".join(deltas) == answer.output_text and len(deltas) > 3
        assert "sunny, 21 C" in answer.output_text and "14:05" in answer.output_text


async def test_streamed_text_and_create_stream_true():
    async with sim_client() as (sdk, _):
        deltas = []
        stream = await sdk.responses.create(model="sim-fast", input="Tell me about event loops",
                                            stream=True)
        async for event in stream:
            if event.type == "response.output_text.delta":
                deltas.append(event.delta)
            elif event.type == "response.output_text.done":
                assert "".join(deltas) == event.text
            last = event
        assert last.type == "response.completed"
        assert last.response.output_text == "".join(deltas) and len(deltas) > 3


async def test_parse_with_text_format():
    async with sim_client() as (sdk, _):
        parsed = await sdk.responses.parse(model="sim-fast", input="Forecast for Paris",
                                           text_format=Forecast)
        assert isinstance(parsed.output_parsed, Forecast)
        async with sdk.responses.stream(model="sim-fast", input="Forecast for Paris",
                                        text_format=Forecast) as stream:
            final = await stream.get_final_response()
        assert final.output_parsed == parsed.output_parsed


async def test_json_object_format_and_max_output_tokens():
    async with sim_client() as (sdk, _):
        response = await sdk.responses.create(model="sim-fast", input="Describe Paris in JSON.",
                                              text={"format": {"type": "json_object"}})
        assert isinstance(json.loads(response.output_text), dict)
        short = await sdk.responses.create(model="sim-fast", input="Tell me about event loops",
                                           max_output_tokens=16)
        assert short.status == "incomplete"
        assert short.incomplete_details.reason == "max_output_tokens"
        assert short.usage.output_tokens == 16


async def test_stored_responses_can_be_read_and_deleted():
    async with sim_client() as (sdk, _):
        kept = await sdk.responses.create(model="sim-fast", input="hello")
        assert (await sdk.responses.retrieve(kept.id)).output_text == kept.output_text
        await sdk.responses.delete(kept.id)
        with pytest.raises(openai.NotFoundError):
            await sdk.responses.retrieve(kept.id)
        unstored = await sdk.responses.create(model="sim-fast", input="hello", store=False)
        with pytest.raises(openai.BadRequestError) as caught:
            await sdk.responses.create(model="sim-fast", input="more", previous_response_id=unstored.id)
        assert caught.value.code == "previous_response_not_found"


async def test_rate_limit_comes_before_the_stream_with_retry_headers():
    async with sim_client(rpm=1, burst=1) as (sdk, _):  # refills after 60 course s (3 s real)
        await sdk.responses.create(model="sim-fast", input="hello")
        with pytest.raises(openai.RateLimitError) as caught:
            async with sdk.responses.stream(model="sim-fast", input="hello"):
                pass
        headers = caught.value.response.headers
        assert float(headers["retry-after-ms"]) > 0 and headers["x-should-retry"] == "true"
        assert caught.value.code == "rate_limit_exceeded"


@pytest.mark.parametrize("fault, error", [("error", openai.InternalServerError),
                                          ("overloaded", openai.InternalServerError)])
async def test_server_faults(fault, error):
    async with sim_client() as (sdk, _):
        with pytest.raises(error):
            await sdk.responses.create(model="sim-fast", input="hello",
                                       extra_headers={"x-course-fault": fault})


async def test_a_cut_stream_never_completes():
    # A real server: the connection really drops (the in-process transport cannot show that).
    async with serve_async(model="sim-instant", seed=7) as base_url:
        sdk = openai.AsyncOpenAI(base_url=base_url, api_key="not-needed", max_retries=0)
        kinds = []
        with pytest.raises((RuntimeError, openai.APIError)):
            async with sdk.responses.stream(model="sim-fast", input=QUESTION, tools=TOOLS,
                                            extra_headers={"x-course-fault": "cut"}) as stream:
                async for event in stream:
                    kinds.append(event.type)
                await stream.get_final_response()
        assert "response.created" in kinds and "response.completed" not in kinds
        assert "response.function_call_arguments.delta" in kinds  # it broke mid-answer
        async with httpx.AsyncClient(trust_env=False) as http:
            stats = (await http.get(base_url[: -len("/v1")] + "/stats")).json()
        assert stats["cut"] == 1 and stats["usage"]["errors"], stats
        await sdk.close()


async def test_the_store_is_bounded(monkeypatch):
    from course_utils import responses_api

    monkeypatch.setattr(responses_api, "MAX_STORED", 2)
    async with sim_client() as (sdk, _):
        ids = [(await sdk.responses.create(model="sim-instant", input=f"hello {i}")).id for i in range(3)]
        with pytest.raises(openai.NotFoundError):
            await sdk.responses.retrieve(ids[0])  # the oldest went first
        assert (await sdk.responses.retrieve(ids[2])).id == ids[2]
