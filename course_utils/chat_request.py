"""``POST /v1/chat/completions`` request bodies, checked the way OpenAI checks them (lesson 10).

Every parameter the real API knows is either honoured (passed on to the engine) or refused with
an OpenAI-shaped 400 that names it; :data:`PARAMETERS` says which, and the README's table is
tested against it. Messages come out normalised: ``{"role", "content": str}`` plus
``tool_calls`` on assistant turns and ``tool_call_id`` on tool turns.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .api_errors import (APIError, bad_enum, invalid_type, invalid_value, kind, missing,
                         unknown_parameter, unsupported)
from .openai_params import (check_bool, check_enum, check_int_at_least, check_logprobs,
                            check_metadata, check_object, check_parallel_tool_calls,
                            check_response_format, check_seed, check_stop, check_str,
                            check_tool_choice, check_tools, mentions_json, required_str)

ROLES = ("system", "user", "assistant", "tool", "developer")

#: What the server does with each Chat Completions parameter (the README's table).
#: "honoured": changes the answer; "checked": validated, with no effect here (bookkeeping fields
#: change no answer at OpenAI either; sampling settings have nothing to act on in a seeded text
#: generator); "refused": a clear 400 unless it is absent or its neutral value.
PARAMETERS: dict[str, str] = {
    "model": "honoured", "messages": "honoured", "stream": "honoured",
    "stream_options": "honoured", "max_tokens": "honoured", "max_completion_tokens": "honoured",
    "tools": "honoured", "tool_choice": "honoured", "parallel_tool_calls": "honoured",
    "response_format": "honoured", "stop": "honoured", "seed": "honoured",
    "n": "refused", "temperature": "checked", "top_p": "checked", "presence_penalty": "checked",
    "frequency_penalty": "checked", "user": "checked", "metadata": "checked", "store": "checked",
    "service_tier": "checked", "prompt_cache_key": "checked", "safety_identifier": "checked",
    "logprobs": "refused", "top_logprobs": "refused", "logit_bias": "refused",
    "functions": "refused", "function_call": "refused", "reasoning_effort": "refused",
    "verbosity": "refused", "modalities": "refused", "audio": "refused", "prediction": "refused",
    "web_search_options": "refused",
}
_NUMBER_RANGES = {"temperature": (0.0, 2.0), "top_p": (0.0, 1.0),
                  "presence_penalty": (-2.0, 2.0), "frequency_penalty": (-2.0, 2.0)}
_BOOKKEEPING = frozenset({"user", "prompt_cache_key", "safety_identifier", "store", "metadata",
                          "service_tier"})
_REFUSABLE = frozenset({"logprobs", "top_logprobs", "logit_bias", "functions", "function_call",
                        "reasoning_effort", "verbosity", "modalities", "audio", "prediction",
                        "web_search_options"})
_SERVICE_TIERS = ("auto", "default", "flex", "scale", "priority")
_NOT_A_REASONING_MODEL = "the simulated models do not reason, like gpt-4o (omit it or send null)."


@dataclass(slots=True)  # not frozen: frozen dataclasses are slow to build, and this is per request
class ChatRequest:
    """A validated ``POST /v1/chat/completions`` body (only what the simulator uses)."""

    model: str
    messages: list[dict[str, Any]]
    stream: bool = False
    include_usage: bool = False
    max_tokens: int | None = None
    # Checked here and passed to LLMEngine.plan in Chat's shapes (None when absent: the fast path).
    tools: list[dict[str, Any]] | None = None
    tool_choice: Any = None
    parallel_tool_calls: bool | None = None
    response_format: dict[str, Any] | None = None
    stop: tuple[str, ...] | None = None
    seed: int | None = None


def content_text(content: Any, param: str, role: str, part_types: tuple[str, ...] = ("text",)) -> str:
    """A message's text: a string, or text parts joined by newlines."""
    if isinstance(content, str):
        return content
    if content is None and role == "assistant":  # an assistant turn that only called tools
        return ""
    if isinstance(content, list):
        texts = []
        for j, part in enumerate(content):
            where = f"{param}[{j}]"
            if not isinstance(part, dict):
                raise invalid_type(where, "an object", part)
            ptype = part.get("type")
            if ptype not in part_types:
                if ptype == "refusal" and role == "assistant":
                    continue  # a replayed refusal carries no text the model should read
                if isinstance(ptype, str):
                    raise unsupported(f"{where}.type", f"it reads only "
                                      f"{' and '.join(repr(t) for t in part_types)} parts, "
                                      f"not '{ptype[:40]}'.")
                raise missing(f"{where}.type") if ptype is None else invalid_type(
                    f"{where}.type", "a string", ptype)
            text = part.get("text")
            if not isinstance(text, str):
                raise invalid_type(f"{where}.text", "a string", text)
            texts.append(text)
        return "\n".join(texts)
    raise invalid_type(param, "one of a string or array of objects", content)


def _tool_calls(raw: Any, where: str) -> list[dict[str, Any]]:
    if not isinstance(raw, list):
        raise invalid_type(where, "an array", raw)
    calls = []
    for k, call in enumerate(raw):
        at = f"{where}[{k}]"
        if not isinstance(call, dict):
            raise invalid_type(at, "an object", call)
        call_id = required_str(call, "id", at)
        ctype = call.get("type")
        if ctype is None:
            raise missing(f"{at}.type")
        if ctype != "function":
            raise bad_enum(f"{at}.type", ctype, ("function",))
        function = call.get("function")
        if function is None:
            raise missing(f"{at}.function")
        if not isinstance(function, dict):
            raise invalid_type(f"{at}.function", "an object", function)
        name = required_str(function, "name", f"{at}.function")
        arguments = required_str(function, "arguments", f"{at}.function")
        calls.append({"id": call_id, "type": "function",
                      "function": {"name": name, "arguments": arguments}})
    return calls


def parse_message(m: Any, i: int) -> dict[str, Any]:
    where = f"messages[{i}]"
    if not isinstance(m, dict):
        raise invalid_type(where, "an object", m)
    role = m.get("role")
    if role is None:
        raise missing(f"{where}.role")
    if not isinstance(role, str):
        raise invalid_type(f"{where}.role", "a string", role)
    if role not in ROLES:
        if role == "function":
            raise unsupported(f"{where}.role", "legacy function messages are not simulated; "
                                               "use 'tools' and messages with role 'tool'.")
        raise bad_enum(f"{where}.role", role, ROLES)
    if "content" not in m and role != "assistant":
        raise missing(f"{where}.content")
    message: dict[str, Any] = {"role": role,
                               "content": content_text(m.get("content"), f"{where}.content", role)}
    if role == "assistant":
        raw_calls = m.get("tool_calls")
        if raw_calls:  # [] and null mean "no calls", as on the real API
            message["tool_calls"] = _tool_calls(raw_calls, f"{where}.tool_calls")
        elif raw_calls is not None and not isinstance(raw_calls, list):
            raise invalid_type(f"{where}.tool_calls", "an array", raw_calls)
        if m.get("function_call") is not None:
            raise unsupported(f"{where}.function_call", "legacy function calls are not "
                                                        "simulated; use 'tool_calls'.")
    elif role == "tool":
        call_id = m.get("tool_call_id")
        if call_id is None:
            raise missing(f"{where}.tool_call_id")
        if not isinstance(call_id, str):
            raise invalid_type(f"{where}.tool_call_id", "a string", call_id)
        message["tool_call_id"] = call_id
    name = m.get("name")
    if name is not None:
        if not isinstance(name, str):
            raise invalid_type(f"{where}.name", "a string", name)
        message["name"] = name
    return message


def check_tool_turns(messages: list[dict[str, Any]]) -> None:
    """Every tool message answers a call of the assistant turn just before it, and every call
    is answered before the conversation moves on (the real API's two rules)."""
    open_ids: list[str] = []   # calls of the current assistant turn still unanswered
    block: set[str] | None = None  # ids of the current assistant turn's calls, while in its tool block
    opened_at = -1
    for i, message in enumerate(messages):
        role = message["role"]
        if role == "tool":
            if block is None:
                raise APIError(400, "Invalid parameter: messages with role 'tool' must be a "
                                    "response to a preceeding message with 'tool_calls'.",
                               param=f"messages.[{i}].role")
            call_id = message["tool_call_id"]
            if call_id not in block:
                raise APIError(400, f"Invalid parameter: 'tool_call_id' of '{call_id[:64]}' not "
                                    "found in 'tool_calls' of previous message.",
                               param=f"messages.[{i}].tool_call_id")
            if call_id in open_ids:
                open_ids.remove(call_id)
            continue
        if open_ids:
            break
        block = None
        if role == "assistant" and message.get("tool_calls"):
            open_ids = [c["id"] for c in message["tool_calls"]]
            block, opened_at = set(open_ids), i
    if open_ids:
        raise APIError(400, "An assistant message with 'tool_calls' must be followed by tool "
                            "messages responding to each 'tool_call_id'. The following "
                            "tool_call_ids did not have response messages: "
                            + ", ".join(c[:64] for c in open_ids[:8]),
                       param=f"messages.[{opened_at}].role")


def parse_chat_request(body: Any) -> ChatRequest:
    """Check a decoded JSON body the way OpenAI does; raise :class:`APIError` (400) if wrong."""
    if not isinstance(body, dict):
        raise APIError(400, f"Invalid request body: expected a JSON object, but got {kind(body)}.")
    if not PARAMETERS.keys() >= body.keys():
        raise unknown_parameter(next(n for n in body if n not in PARAMETERS))
    model = body.get("model")
    if model is None:
        raise APIError(400, "You must provide a model parameter.", param="model",
                       code="missing_required_parameter")
    if not isinstance(model, str):
        raise invalid_type("model", "a string", model)
    if "messages" not in body:
        raise missing("messages")
    raw = body["messages"]
    if not isinstance(raw, list):
        raise invalid_type("messages", "an array", raw)
    if not raw:
        raise APIError(400, "Invalid 'messages': empty array. Expected an array with minimum "
                            "length 1, but got an empty array instead.", param="messages",
                       code="empty_array")
    messages = [parse_message(m, i) for i, m in enumerate(raw)]
    if any(m["role"] == "tool" or "tool_calls" in m for m in messages):
        check_tool_turns(messages)
    if len(body) == 2:  # just model and messages, the usual case: nothing optional to check
        return ChatRequest(model=model, messages=messages)
    return _with_options(body, model, messages)


def _with_options(body: dict[str, Any], model: str, messages: list[dict[str, Any]]) -> ChatRequest:
    stream = body.get("stream")
    if stream is not None and not isinstance(stream, bool):
        raise invalid_type("stream", "a boolean", stream)
    include_usage = False
    options = body.get("stream_options")
    if options is not None:
        if not isinstance(options, dict):
            raise invalid_type("stream_options", "an object", options)
        if not stream:
            raise APIError(400, "The 'stream_options' parameter is only allowed when 'stream' "
                                "is enabled.", param="stream_options")
        for key in options:
            if key not in ("include_usage", "include_obfuscation"):
                raise unknown_parameter(f"stream_options.{key}")
        flag = options.get("include_usage")
        if flag is not None and not isinstance(flag, bool):
            raise invalid_type("stream_options.include_usage", "a boolean", flag)
        # include_obfuscation pads chunks against side channels; nothing to hide on loopback.
        check_bool(options.get("include_obfuscation"), "stream_options.include_obfuscation")
        include_usage = bool(flag)
    max_tokens = check_int_at_least(body.get("max_tokens"), "max_tokens")
    max_completion = check_int_at_least(body.get("max_completion_tokens"), "max_completion_tokens")
    n = check_int_at_least(body.get("n"), "n")
    if n is not None and n != 1:
        raise invalid_value("n", f"the simulator returns one choice, so n must be 1 (got {n}).")
    present = body.keys()
    # Only what is there is checked: agents resend tools every round, so this path is hot.
    for name in present & _NUMBER_RANGES.keys():
        low, high = _NUMBER_RANGES[name]
        value = body[name]
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise invalid_type(name, "a number", value)
        if not low <= value <= high:  # also refuses NaN, which json.loads lets through
            raise invalid_value(name, f"expected a number between {low:g} and {high:g}, got {value}.")
    if not present.isdisjoint(_BOOKKEEPING):
        _check_bookkeeping(body)
    if not present.isdisjoint(_REFUSABLE):
        _refuse_unsupported(body)
    tools = check_tools(body.get("tools"), flat=False)
    tool_choice, tools = check_tool_choice(body.get("tool_choice"), tools, flat=False,
                                           tools_given="tools" in body)
    parallel = check_parallel_tool_calls(body.get("parallel_tool_calls"), tools, flat=False)
    response_format = check_response_format(body.get("response_format"), flat=False)
    if response_format is not None and response_format["type"] == "json_object" and not \
            mentions_json(m["content"] for m in messages):
        raise APIError(400, "'messages' must contain the word 'json' in some form, to use "
                            "'response_format' of type 'json_object'.", param="messages")
    return ChatRequest(model=model, messages=messages, stream=bool(stream),
                       include_usage=include_usage,
                       max_tokens=max_completion if max_completion is not None else max_tokens,
                       tools=tools or None, tool_choice=tool_choice, parallel_tool_calls=parallel,
                       response_format=response_format, stop=check_stop(body.get("stop")),
                       seed=check_seed(body.get("seed")))


def _check_bookkeeping(body: dict[str, Any]) -> None:
    """Fields that label or route a request; they never change an answer, here or at OpenAI."""
    check_str(body.get("user"), "user")
    check_str(body.get("prompt_cache_key"), "prompt_cache_key")
    check_str(body.get("safety_identifier"), "safety_identifier")
    check_bool(body.get("store"), "store")
    check_metadata(body.get("metadata"))
    check_enum(body.get("service_tier"), "service_tier", _SERVICE_TIERS)


def _refuse_unsupported(body: dict[str, Any]) -> None:
    """Real parameters the simulator cannot honour: a 400 instead of a silent no-op."""
    check_logprobs(body.get("logprobs"), body.get("top_logprobs"))
    bias = check_object(body.get("logit_bias"), "logit_bias")
    if bias:
        raise unsupported("logit_bias", "its text generator has no tokenizer token ids to bias.")
    if body.get("functions") is not None:
        raise unsupported("functions", "the legacy 'functions' API is not simulated; send the "
                                       "same functions as 'tools' (type 'function').")
    if body.get("function_call") is not None:
        raise unsupported("function_call", "the legacy 'function_call' is not simulated; use "
                                           "'tool_choice'.")
    for name in ("reasoning_effort", "verbosity"):
        if body.get(name) is not None:
            raise unsupported(name, _NOT_A_REASONING_MODEL)
    modalities = body.get("modalities")
    if modalities is not None:
        if not isinstance(modalities, list):
            raise invalid_type("modalities", "an array", modalities)
        for j, item in enumerate(modalities):
            if item not in ("text", "audio"):
                raise bad_enum(f"modalities[{j}]", item, ("text", "audio"))
        if "audio" in modalities:
            raise unsupported("modalities", "the simulated models answer in text only.")
    for name, why in (("audio", "the simulated models answer in text only."),
                      ("prediction", "predicted outputs need a real model to diff against."),
                      ("web_search_options", "it has no network and no search tool.")):
        if body.get(name) is not None:
            raise unsupported(name, why)
