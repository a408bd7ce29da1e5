"""Fuzzing the agent options: tools, tool_choice, response_format, stop and tool messages.

Whatever shape arrives, the engine answers or refuses with a BadRequestError (over HTTP an
OpenAI-shaped 4xx), never a crash (a 5xx); and for well-formed schemas the generated JSON is
valid against them.
"""

from __future__ import annotations

import asyncio
import json

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from course_utils.faults import BadRequestError
from course_utils.llm import SimulatedLLM
from course_utils.schema_instances import Hints, instance
from course_utils.server import create_app

_scalars = st.none() | st.booleans() | st.integers(-5, 5) | st.floats(allow_nan=False) | st.text(max_size=12)
_json = st.recursive(_scalars, lambda kids: st.lists(kids, max_size=3)
                     | st.dictionaries(st.text(max_size=8), kids, max_size=3), max_leaves=10)

# JSON schemas of the kind function tools and pydantic produce (and some they do not).
_leaf_schema = st.sampled_from([
    {"type": "string"}, {"type": "integer", "minimum": 0, "maximum": 9}, {"type": "number"},
    {"type": "boolean"}, {"type": "null"}, {"enum": ["a", "b", "c"]}, {"type": "string", "format": "date"},
    {"type": "string", "minLength": 3, "maxLength": 5}, {"anyOf": [{"type": "string"}, {"type": "null"}]},
    {"type": ["string", "null"]}, {"const": 7}, {"type": "integer", "exclusiveMinimum": 2, "multipleOf": 3},
])
_schema = st.recursive(_leaf_schema, lambda kids: st.one_of(
    st.builds(lambda items, lo: {"type": "array", "items": items, "minItems": lo}, kids, st.integers(0, 2)),
    st.builds(lambda props, req: {"type": "object", "properties": props,
                                  "required": [k for k in props if req], "additionalProperties": False},
              st.dictionaries(st.sampled_from(["city", "query", "n", "id", "when", "x"]), kids, max_size=4),
              st.booleans()),
    st.builds(lambda a, b: {"anyOf": [a, b]}, kids, kids),
), max_leaves=8)

_tool = st.one_of(
    st.builds(lambda name, desc, params: {"type": "function", "function": {
        "name": name, "description": desc, "parameters": params}},
        st.sampled_from(["get_weather", "web_search", "final_result", "x"]), st.text(max_size=30),
        _schema.map(lambda s: s if s.get("type") == "object" else {"type": "object", "properties": {"v": s},
                                                                    "required": ["v"]})),
    _json)
_tool_choice = st.sampled_from(["auto", "none", "required", "sometimes", None]) | st.builds(
    lambda n: {"type": "function", "function": {"name": n}}, st.sampled_from(["get_weather", "nope"])) | _json
_response_format = st.sampled_from([{"type": "text"}, {"type": "json_object"}, None]) | st.builds(
    lambda s: {"type": "json_schema", "json_schema": {"name": "R", "schema": s, "strict": True}}, _schema) | _json
_message = st.one_of(
    st.builds(lambda t: {"role": "user", "content": t},
              st.sampled_from(["What is the weather in Oslo?", "search the web for x", "hello", ""])),
    st.builds(lambda calls: {"role": "assistant", "content": None, "tool_calls": calls},
              st.lists(st.builds(lambda i, n, a: {"id": i, "type": "function", "function": {"name": n, "arguments": a}},
                                 st.sampled_from(["call_1", "call_2"]), st.sampled_from(["get_weather", "x"]),
                                 st.sampled_from(["{}", '{"city":"Oslo"}', "not json"])), max_size=2) | _json),
    st.builds(lambda i, c: {"role": "tool", "tool_call_id": i, "content": c},
              st.sampled_from(["call_1", "call_2", "zzz"]), st.text(max_size=20) | _json),
    _json)
_options = st.fixed_dictionaries({}, optional={
    "tools": st.lists(_tool, max_size=3) | _json, "tool_choice": _tool_choice,
    "parallel_tool_calls": st.booleans() | _json, "response_format": _response_format,
    "stop": st.sampled_from([".", ["a", "the"], "", None]) | _json, "max_tokens": st.integers(1, 40)})

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(messages=st.lists(_message, min_size=1, max_size=4), options=_options)
def test_the_engine_answers_or_refuses_never_crashes(messages, options):
    llm = SimulatedLLM("sim-instant", seed=1)
    try:
        reply = asyncio.run(llm.complete(messages, **options))
    except BadRequestError:
        return
    assert reply.finish_reason in ("stop", "length", "tool_calls")
    for c in reply.tool_calls:
        assert c.id.startswith("call_") and isinstance(c.arguments, str)


@FUZZ
@given(messages=st.lists(_message, min_size=1, max_size=4), options=_options, stream=st.booleans())
def test_the_server_never_answers_5xx(messages, options, stream):
    from tests.test_outcomes import asgi_call

    app = create_app(model="sim-instant", seed=1)
    body = {"model": "sim-instant", "messages": messages, "stream": stream, **options}
    status, parts, finished = asyncio.run(asgi_call(app, json.loads(json.dumps(body))))
    assert status < 500, b"".join(parts)
    assert finished
    if status >= 400:
        error = json.loads(b"".join(parts))["error"]
        assert isinstance(error["message"], str) and error["type"]


@FUZZ
@given(schema=_schema, seed=st.integers(0, 10**6), text=st.sampled_from(
    ["", "Weather in Oslo on 2024-05-01, 3 items", "search for cheap flights to Lima"]))
def test_generated_json_is_valid_against_the_schema(schema, seed, text):
    value = instance(schema, Hints(text), seed=seed)
    try:
        jsonschema.validate(value, schema)
    except jsonschema.ValidationError as error:
        # Only schemas nothing can satisfy may fail (e.g. an integer multiple of 3 below 2).
        pytest.fail(f"{value!r} does not match {schema}: {error.message}")
