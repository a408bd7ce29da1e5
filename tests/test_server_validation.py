"""No silent ignoring: every parameter is honoured or refused with OpenAI's 400, naming it.

Each bad body below is one a real client can send (a framework bug, a typo, a provider-specific
field). The refusal must be what the real API sends: status, ``param``, ``code`` and, where the
wording is known from the real API, the message, so the learner can search for it.
"""

from __future__ import annotations

import re
from pathlib import Path

import openai
import pytest
from openai.lib._pydantic import to_strict_json_schema
from pydantic import BaseModel

from course_utils.chat_request import PARAMETERS as CHAT_PARAMETERS
from course_utils.responses_request import PARAMETERS as RESPONSES_PARAMETERS
from inprocess import sim_client

MSG = [{"role": "user", "content": "What is the weather in Paris?"}]
OBJ = {"type": "object", "properties": {"city": {"type": "string"}}}
STRICT_OBJ = {**OBJ, "required": ["city"], "additionalProperties": False}
TOOL = {"type": "function", "function": {"name": "get_weather", "parameters": OBJ}}
FLAT_TOOL = {"type": "function", "name": "get_weather", "parameters": STRICT_OBJ, "strict": True}
CALL = {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{}"}}


def _fn(**function):
    return [{"type": "function", "function": function}]


def _schema(schema, strict=True, **extra):
    return {"type": "json_schema", "json_schema": {"name": "Answer", "schema": schema,
                                                   "strict": strict, **extra}}


# (extra body fields, status, param, code, message or None)
CHAT_CASES = {
    "tools not an array": ({"tools": {}}, "tools", "invalid_type", None),
    "tools empty": ({"tools": []}, "tools", "empty_array", None),
    "tool without a name": ({"tools": _fn(parameters=OBJ)}, "tools[0].function.name",
                            "missing_required_parameter",
                            "Missing required parameter: 'tools[0].function.name'."),
    "tool without function": ({"tools": [{"type": "function"}]}, "tools[0].function",
                              "missing_required_parameter", None),
    "parameters not an object schema": (
        {"tools": _fn(name="f", parameters={"type": "string"})}, "tools[0].function.parameters",
        "invalid_function_parameters",
        "Invalid schema for function 'f': schema must be a JSON Schema of 'type: \"object\"', "
        "got 'type: \"string\"'."),
    "parameters not even a dict": ({"tools": _fn(name="f", parameters=[1])},
                                   "tools[0].function.parameters", "invalid_type", None),
    "bad tool type": ({"tools": [{"type": "fn", "function": {"name": "f"}}]}, "tools[0].type",
                      "invalid_value", "Invalid value: 'fn'. Supported values are: 'function' and 'custom'."),
    "custom tool": ({"tools": [{"type": "custom", "custom": {"name": "f"}}]}, "tools[0].type",
                    "unsupported_parameter", None),
    "tool name with a space": ({"tools": _fn(name="get weather")}, "tools[0].function.name",
                               "invalid_value", None),
    "tool name too long": ({"tools": _fn(name="f" * 65)}, "tools[0].function.name",
                           "string_above_max_length", None),
    "duplicate tool names": ({"tools": [TOOL, TOOL]}, "tools[1].function.name", "invalid_value", None),
    "strict tool without additionalProperties": (
        {"tools": _fn(name="f", parameters={**OBJ, "required": ["city"]}, strict=True)},
        "tools[0].function.parameters", "invalid_function_parameters",
        "Invalid schema for function 'f': In context=(), 'additionalProperties' is required to "
        "be supplied and to be false."),
    "tool_choice unknown string": ({"tools": [TOOL], "tool_choice": "sometimes"}, "tool_choice",
                                   "invalid_value", "Invalid value: 'sometimes'. Supported values "
                                                    "are: 'none', 'auto', and 'required'."),
    "tool_choice names an unknown tool": (
        {"tools": [TOOL], "tool_choice": {"type": "function", "function": {"name": "nope"}}},
        "tool_choice", "invalid_value", "Tool choice 'nope' not found in 'tools' parameter."),
    "tool_choice without tools": ({"tool_choice": "auto"}, "tool_choice", "invalid_value",
                                  "Invalid value for 'tool_choice': 'tool_choice' is only allowed "
                                  "when 'tools' are specified."),
    "tool_choice a number": ({"tools": [TOOL], "tool_choice": 3}, "tool_choice", "invalid_type", None),
    "allowed_tools names an unknown tool": (
        {"tools": [TOOL], "tool_choice": {"type": "allowed_tools", "allowed_tools": {
            "mode": "auto", "tools": [{"type": "function", "function": {"name": "nope"}}]}}},
        "tool_choice.allowed_tools.tools[0]", "invalid_value", None),
    "parallel_tool_calls without tools": ({"parallel_tool_calls": False}, "parallel_tool_calls",
                                          "invalid_value", None),
    "parallel_tool_calls not a boolean": ({"tools": [TOOL], "parallel_tool_calls": "yes"},
                                          "parallel_tool_calls", "invalid_type", None),
    "response_format unknown type": ({"response_format": {"type": "xml"}}, "response_format.type",
                                     "invalid_value", "Invalid value: 'xml'. Supported values are: "
                                                      "'text', 'json_object', and 'json_schema'."),
    "response_format a string": ({"response_format": "json"}, "response_format", "invalid_type", None),
    "json_schema without a name": (
        {"response_format": {"type": "json_schema", "json_schema": {"schema": STRICT_OBJ}}},
        "response_format.json_schema.name", "missing_required_parameter", None),
    "json_schema without a schema": (
        {"response_format": {"type": "json_schema", "json_schema": {"name": "A"}}},
        "response_format.json_schema.schema", "missing_required_parameter", None),
    "json_schema root not an object": (
        {"response_format": _schema({"type": "array", "items": {"type": "string"}})},
        "response_format.json_schema.schema", "invalid_json_schema", None),
    "strict schema without additionalProperties": (
        {"response_format": _schema({**OBJ, "required": ["city"]})},
        "response_format.json_schema.schema", "invalid_json_schema",
        "Invalid schema for response_format 'Answer': In context=(), 'additionalProperties' is "
        "required to be supplied and to be false."),
    "strict schema not requiring every key": (
        {"response_format": _schema({**STRICT_OBJ, "properties": {
            "city": {"type": "string"}, "days": {"type": "integer"}}})},
        "response_format.json_schema.schema", "invalid_json_schema",
        "Invalid schema for response_format 'Answer': In context=(), 'required' is required to "
        "be supplied and to be an array including every key in properties. Missing 'days'."),
    "strict schema, nested object not closed": (
        {"response_format": _schema({"type": "object", "additionalProperties": False,
                                     "required": ["inner"], "properties": {"inner": OBJ}})},
        "response_format.json_schema.schema", "invalid_json_schema",
        "Invalid schema for response_format 'Answer': In context=('properties', 'inner'), "
        "'additionalProperties' is required to be supplied and to be false."),
    "json_object without the word json": (
        {"response_format": {"type": "json_object"}}, "messages", None,
        "'messages' must contain the word 'json' in some form, to use 'response_format' of "
        "type 'json_object'."),
    "seed a string": ({"seed": "42"}, "seed", "invalid_type",
                      "Invalid type for 'seed': expected an integer, but got a string instead."),
    "seed beyond int64": ({"seed": 2 ** 64}, "seed", "integer_above_max_value", None),
    "five stop strings": ({"stop": list("abcde")}, "stop", "array_above_max_length", None),
    "stop a number": ({"stop": 3}, "stop", "invalid_type", None),
    "stop an empty string": ({"stop": [""]}, "stop[0]", "empty_string", None),
    "logprobs": ({"logprobs": True}, "logprobs", "unsupported_parameter", None),
    "top_logprobs": ({"top_logprobs": 3}, "top_logprobs", "unsupported_parameter", None),
    "logit_bias": ({"logit_bias": {"50256": -100}}, "logit_bias", "unsupported_parameter", None),
    "legacy functions": ({"functions": [{"name": "f"}]}, "functions", "unsupported_parameter", None),
    "legacy function_call": ({"function_call": "auto"}, "function_call", "unsupported_parameter", None),
    "n above 1": ({"n": 2}, "n", "invalid_value", None),
    "reasoning_effort": ({"reasoning_effort": "high"}, "reasoning_effort", "unsupported_parameter", None),
    "audio output": ({"modalities": ["text", "audio"]}, "modalities", "unsupported_parameter", None),
    "unknown stream_options key": ({"stream": True, "stream_options": {"colour": 1}},
                                   "stream_options.colour", "unknown_parameter", None),
    "metadata value not a string": ({"metadata": {"a": 1}}, "metadata.a", "invalid_type", None),
    "service_tier unknown": ({"service_tier": "gold"}, "service_tier", "invalid_value", None),
    "unknown parameter": ({"colour": "blue"}, "colour", "unknown_parameter",
                          "Unrecognized request argument supplied: colour"),
}

CONVERSATION_CASES = {
    "tool message without a preceding call": (
        [MSG[0], {"role": "tool", "tool_call_id": "call_1", "content": "sunny"}],
        "messages.[1].role", None,
        "Invalid parameter: messages with role 'tool' must be a response to a preceeding "
        "message with 'tool_calls'."),
    "unanswered tool call": (
        [MSG[0], {"role": "assistant", "content": None, "tool_calls": [CALL]},
         {"role": "user", "content": "well?"}],
        "messages.[1].role", None,
        "An assistant message with 'tool_calls' must be followed by tool messages responding to "
        "each 'tool_call_id'. The following tool_call_ids did not have response messages: call_1"),
    "unanswered at the end": (
        [MSG[0], {"role": "assistant", "tool_calls": [CALL, {**CALL, "id": "call_2"}]},
         {"role": "tool", "tool_call_id": "call_2", "content": "sunny"}],
        "messages.[1].role", None, None),
    "tool message answering another call": (
        [MSG[0], {"role": "assistant", "tool_calls": [CALL]},
         {"role": "tool", "tool_call_id": "call_9", "content": "sunny"}],
        "messages.[2].tool_call_id", None,
        "Invalid parameter: 'tool_call_id' of 'call_9' not found in 'tool_calls' of previous message."),
    "tool message without tool_call_id": (
        [MSG[0], {"role": "assistant", "tool_calls": [CALL]}, {"role": "tool", "content": "x"}],
        "messages[2].tool_call_id", "missing_required_parameter", None),
    "tool call arguments not a string": (
        [MSG[0], {"role": "assistant", "tool_calls": [{**CALL, "function": {"name": "f", "arguments": {}}}]},
         {"role": "tool", "tool_call_id": "call_1", "content": "x"}],
        "messages[1].tool_calls[0].function.arguments", "invalid_type", None),
    "legacy function role": ([MSG[0], {"role": "function", "name": "f", "content": "x"}],
                             "messages[1].role", "unsupported_parameter", None),
    "image part": ([{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "x"}}]}],
                   "messages[0].content[0].type", "unsupported_parameter", None),
}

RESPONSES_CASES = {
    "flat tool without a name": ({"tools": [{"type": "function", "parameters": OBJ}]},
                                 "tools[0].name", "missing_required_parameter",
                                 "Missing required parameter: 'tools[0].name'."),
    "flat tool parameters not an object": (
        {"tools": [{"type": "function", "name": "f", "parameters": {"type": "string"}}]},
        "tools[0].parameters", "invalid_function_parameters", None),
    "tool_choice names an unknown tool": (
        {"tools": [FLAT_TOOL], "tool_choice": {"type": "function", "name": "nope"}},
        "tool_choice", "invalid_value", "Tool choice 'nope' not found in 'tools' parameter."),
    "text.format strict schema not closed": (
        {"text": {"format": {"type": "json_schema", "name": "A", "strict": True, "schema": OBJ}}},
        "text.format.schema", "invalid_json_schema", None),
    "text.format unknown type": ({"text": {"format": {"type": "yaml"}}}, "text.format.type",
                                 "invalid_value", None),
    "json_object without the word json": (
        {"text": {"format": {"type": "json_object"}}}, "text.format", None,
        "Response input messages must contain the word 'json' in some form to use "
        "'text.format' of type 'json_object'."),
    "output without its call": (
        {"input": [{"type": "function_call_output", "call_id": "call_9", "output": "x"}]},
        "input", None, "No tool call found for function call output with call_id call_9."),
    "call without its output": (
        {"input": [MSG[0], {"type": "function_call", "call_id": "call_1", "name": "get_weather",
                            "arguments": "{}"}]},
        "input", None, "No tool output found for function call call_1."),
    "unknown previous_response_id": ({"previous_response_id": "resp_nope"}, "previous_response_id",
                                     "previous_response_not_found",
                                     "Previous response with id 'resp_nope' not found."),
    "max_output_tokens below 16": ({"max_output_tokens": 5}, "max_output_tokens",
                                   "integer_below_min_value", None),
    "reasoning effort": ({"reasoning": {"effort": "high"}}, "reasoning", "unsupported_parameter", None),
    "background": ({"background": True}, "background", "unsupported_parameter", None),
    "logprobs via include": ({"include": ["message.output_text.logprobs"]}, "include",
                             "unsupported_parameter", None),
    "unknown include": ({"include": ["everything"]}, "include[0]", "invalid_value", None),
    "top_logprobs": ({"top_logprobs": 2}, "top_logprobs", "unsupported_parameter", None),
    "image input": ({"input": [{"role": "user", "content": [{"type": "input_image", "image_url": "x"}]}]},
                    "input[0].content[0].type", "unsupported_parameter", None),
    "item without a type": ({"input": [{"call_id": "x"}]}, "input[0].type",
                            "missing_required_parameter", None),
    "input missing": ({"input": None}, "input", "missing_required_parameter", None),
    "verbosity": ({"text": {"verbosity": "low"}}, "text.verbosity", "unsupported_parameter", None),
    "tool_choice required without tools": ({"tools": [], "tool_choice": "required"}, "tool_choice",
                                           "invalid_value", None),
    "unknown parameter": ({"colour": "blue"}, "colour", "unknown_parameter", None),
}


def _assert_refusal(response, param, code, message):
    assert response.status_code == 400, response.text
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"message", "type", "param", "code"}
    error = body["error"]
    assert error["type"] == "invalid_request_error"
    assert error["param"] == param, error
    assert error["code"] == code, error
    if message is not None:
        assert error["message"] == message
    assert response.headers["x-should-retry"] == "false"


@pytest.mark.parametrize("case", list(CHAT_CASES))
async def test_chat_refuses_bad_parameters(case):
    extra, param, code, message = CHAT_CASES[case]
    async with sim_client() as (_, http):
        response = await http.post("/chat/completions", json={"model": "sim-fast", "messages": MSG, **extra})
    _assert_refusal(response, param, code, message)


@pytest.mark.parametrize("case", list(CONVERSATION_CASES))
async def test_chat_refuses_broken_tool_conversations(case):
    messages, param, code, message = CONVERSATION_CASES[case]
    async with sim_client() as (_, http):
        response = await http.post("/chat/completions", json={"model": "sim-fast", "messages": messages})
    _assert_refusal(response, param, code, message)


@pytest.mark.parametrize("case", list(RESPONSES_CASES))
async def test_responses_refuses_bad_parameters(case):
    extra, param, code, message = RESPONSES_CASES[case]
    async with sim_client() as (_, http):
        response = await http.post("/responses", json={"model": "sim-fast", "input": "hello", **extra})
    _assert_refusal(response, param, code, message)


class Step(BaseModel):
    explanation: str
    output: str


class Math(BaseModel):
    steps: list[Step]
    final_answer: str
    note: str | None = None


GOOD_CHAT = {
    "strict tool from pydantic": {"tools": [openai.pydantic_function_tool(Math)]},
    "tool without parameters": {"tools": _fn(name="now")},
    "every tool_choice mode": {"tools": [TOOL], "tool_choice": "required", "parallel_tool_calls": False},
    "named tool_choice": {"tools": [TOOL], "tool_choice": {"type": "function", "function": {"name": "get_weather"}}},
    "allowed_tools": {"tools": [TOOL], "tool_choice": {"type": "allowed_tools", "allowed_tools": {
        "mode": "required", "tools": [{"type": "function", "function": {"name": "get_weather"}}]}}},
    "strict json_schema from pydantic": {"response_format": _schema(to_strict_json_schema(Math))},
    "loose json_schema": {"response_format": _schema(OBJ, strict=False)},
    "json_object with json in the prompt": {
        "messages": [{"role": "user", "content": "Answer in JSON."}],
        "response_format": {"type": "json_object"}},
    "bookkeeping fields": {"user": "u1", "metadata": {"k": "v"}, "store": False, "seed": 3,
                           "service_tier": "auto", "prompt_cache_key": "p", "safety_identifier": "s",
                           "temperature": 0.2, "top_p": 0.9, "logprobs": False, "top_logprobs": 0,
                           "logit_bias": {}, "modalities": ["text"], "stop": ["\n\n"]},
    "stream options": {"stream": True, "stream_options": {"include_usage": True,
                                                          "include_obfuscation": False}},
}


async def test_responses_accepts_what_openai_agents_sends_without_tools():
    body = {"model": "sim-fast", "include": [], "input": [{"content": "hi", "role": "user"}],
            "instructions": "Be brief.", "tools": [], "tool_choice": "auto", "store": True,
            "truncation": "disabled", "reasoning": {"effort": "none"}, "text": {"verbosity": "medium"}}
    async with sim_client() as (_, http):
        response = await http.post("/responses", json=body)
    assert response.status_code == 200, response.text
    assert response.json()["output"][0]["type"] == "message"


@pytest.mark.parametrize("case", list(GOOD_CHAT))
async def test_chat_accepts_what_real_clients_send(case):
    async with sim_client() as (_, http):
        response = await http.post("/chat/completions", json={"model": "sim-fast", "messages": MSG,
                                                              **GOOD_CHAT[case]})
    assert response.status_code == 200, response.text


async def test_sdk_surfaces_param_and_code():
    async with sim_client() as (sdk, _):
        with pytest.raises(openai.BadRequestError) as caught:
            await sdk.chat.completions.create(model="sim-fast", messages=MSG,
                                              tools=[{"type": "function", "function": {"parameters": OBJ}}])
        assert caught.value.param == "tools[0].function.name"
        assert caught.value.code == "missing_required_parameter"
        assert caught.value.status_code == 400
        with pytest.raises(openai.BadRequestError) as caught:
            await sdk.responses.create(model="sim-fast", input="hi",
                                       text={"format": {"type": "json_schema", "name": "A",
                                                        "strict": True, "schema": OBJ}})
        assert (caught.value.param, caught.value.code) == ("text.format.schema", "invalid_json_schema")
        assert "'additionalProperties' is required to be supplied and to be false" in caught.value.message


def _readme_table_names(title: str) -> set[str]:
    text = Path(__file__).resolve().parent.parent.joinpath("README.md").read_text(encoding="utf-8")
    start = text.index(title)
    end = text.find("\n\n", text.index("|", start))
    return set(re.findall(r"^\| `([a-z_]+)` \|", text[start:end], flags=re.M))


def test_readme_lists_every_parameter_decision():
    assert _readme_table_names("Chat Completions parameters") == set(CHAT_PARAMETERS)
    assert _readme_table_names("Responses parameters") == set(RESPONSES_PARAMETERS)


async def test_the_request_seed_is_honoured():
    """OpenAI's ``seed``: the same seed gives the same answer, another seed another answer (the
    wording, a tool call's arguments, JSON values); no seed keeps the server's own answer."""
    weather = [{"type": "function", "function": {"name": "get_weather", "parameters": {
        "type": "object", "properties": {"city": {"type": "string"}, "days": {"type": "integer"}},
        "required": ["city", "days"]}}}]
    ask = [{"role": "user", "content": "Write two sentences about event loops."}]

    async def answers(**extra) -> list[str]:
        async with sim_client() as (sdk, _):
            out = []
            for seed in (None, 1, 1, 2, 3):
                kwargs = {} if seed is None else {"seed": seed}
                reply = await sdk.chat.completions.create(model="sim-fast", messages=ask, **extra, **kwargs)
                message = reply.choices[0].message
                out.append(message.content or message.tool_calls[0].function.arguments)
            return out

    for extra in ({}, {"response_format": _schema(to_strict_json_schema(Math))},
                  {"tools": weather, "tool_choice": "required"}):
        unseeded, one, one_again, two, three = await answers(**extra)
        assert one == one_again, f"the same seed gave two answers ({extra})"
        assert len({unseeded, one, two, three}) >= 2, f"the seed changes nothing ({extra})"


def test_the_request_seed_is_honoured_in_process_too():
    from course_utils.llm import SimulatedLLMSync

    llm = SimulatedLLMSync("sim-instant", seed=7)
    prompt = "Write two sentences about event loops."
    same = {llm.complete(prompt, seed=5).text for _ in range(2)}
    assert len(same) == 1
    assert llm.complete(prompt, seed=6).text not in same
    assert llm.complete(prompt).text == SimulatedLLMSync("sim-instant", seed=7).complete(prompt).text
