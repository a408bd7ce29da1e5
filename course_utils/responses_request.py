"""``POST /v1/responses`` request bodies: checked, then translated into chat messages.

The Responses API is served as an adapter over the same engine as Chat Completions: ``input``
items become chat messages (``function_call`` items become an assistant turn's ``tool_calls``,
``function_call_output`` items become ``tool`` messages), ``instructions`` a leading system
message, flat tools and ``text.format`` their Chat shapes. Every parameter is honoured or refused
with the real API's 400, as for chat (see :data:`PARAMETERS`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .api_errors import (APIError, bad_enum, invalid_type, invalid_value, kind, missing,
                         unknown_parameter, unsupported)
from .chat_request import content_text
from .openai_params import (check_bool, check_enum, check_int_at_least, check_logprobs,
                            check_metadata, check_object, check_parallel_tool_calls,
                            check_response_format, check_str, check_tool_choice, check_tools,
                            mentions_json, required_str)

#: What the server does with each Responses parameter (the README's table).
PARAMETERS: dict[str, str] = {
    "model": "honoured", "input": "honoured", "instructions": "honoured", "stream": "honoured",
    "tools": "honoured", "tool_choice": "honoured", "parallel_tool_calls": "honoured",
    "text": "honoured", "max_output_tokens": "honoured", "max_tool_calls": "checked",
    "previous_response_id": "honoured", "store": "honoured", "include": "checked",
    "metadata": "checked", "temperature": "checked", "top_p": "checked", "user": "checked",
    "service_tier": "checked", "prompt_cache_key": "checked", "prompt_cache_retention": "checked",
    "safety_identifier": "checked", "truncation": "checked", "stream_options": "checked",
    "reasoning": "refused", "top_logprobs": "refused", "background": "refused",
    "conversation": "refused", "prompt": "refused", "context_management": "refused",
    "access_programs": "refused", "background_options": "refused", "image": "refused",
    "moderation": "refused", "prompt_cache_options": "refused",
}
_INCLUDABLE = ("file_search_call.results", "web_search_call.results",
               "web_search_call.action.sources", "message.input_image.image_url",
               "computer_call_output.output.image_url", "code_interpreter_call.outputs",
               "reasoning.encrypted_content", "message.output_text.logprobs")
_INPUT_ROLES = ("user", "assistant", "system", "developer")
_SERVICE_TIERS = ("auto", "default", "flex", "scale", "priority")
#: The real API's floor for ``max_output_tokens``.
MIN_OUTPUT_TOKENS = 16


@dataclass(slots=True)
class ResponsesRequest:
    """A validated ``POST /v1/responses`` body, with the conversation as chat messages."""

    model: str
    messages: list[dict[str, Any]]          # what the engine plans from (instructions first)
    conversation: list[dict[str, Any]]      # the same without instructions: what is stored
    stream: bool = False
    instructions: str | None = None
    tools: list[dict[str, Any]] = field(default_factory=list)       # Chat-shaped, for the engine
    tool_choice: Any = None                                         # Chat-shaped
    parallel_tool_calls: bool | None = None
    response_format: dict[str, Any] | None = None                   # Chat-shaped
    max_output_tokens: int | None = None
    max_tool_calls: int | None = None
    previous_response_id: str | None = None
    store: bool = True
    echo: dict[str, Any] = field(default_factory=dict)  # request fields the response repeats


def _message_item(item: dict[str, Any], where: str) -> dict[str, Any]:
    role = item.get("role")
    if role is None:
        raise missing(f"{where}.role")
    if not isinstance(role, str):
        raise invalid_type(f"{where}.role", "a string", role)
    if role not in _INPUT_ROLES:
        raise bad_enum(f"{where}.role", role, _INPUT_ROLES)
    if "content" not in item:
        raise missing(f"{where}.content")
    parts = ("output_text",) if role == "assistant" else ("input_text",)
    text = content_text(item["content"], f"{where}.content", role, parts)
    if role == "assistant" and item["content"] is None:
        raise invalid_type(f"{where}.content", "one of a string or array of objects", None)
    return {"role": role, "content": text}


def _output_text(output: Any, where: str) -> str:
    if isinstance(output, str):
        return output
    if isinstance(output, list):
        return content_text(output, where, "tool", ("input_text", "output_text"))
    raise invalid_type(where, "one of a string or array of objects", output)


def input_messages(raw: Any, prior: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Translate ``input`` (a string or items) into chat messages appended to ``prior``.

    Raises the real API's errors for a call output without its call, and for a call left
    without an output when the model is asked to go on.
    """
    if isinstance(raw, str):
        return [*prior, {"role": "user", "content": raw}]
    if not isinstance(raw, list):
        raise invalid_type("input", "one of a string or array of input items", raw)
    messages = list(prior)
    calls: dict[str, str] = {}      # call_id -> name, for every call seen so far
    answered: set[str] = set()
    for m in prior:
        for call in m.get("tool_calls", ()):
            calls[call["id"]] = call["function"]["name"]
        if m["role"] == "tool":
            answered.add(m["tool_call_id"])
    for i, item in enumerate(raw):
        where = f"input[{i}]"
        if not isinstance(item, dict):
            raise invalid_type(where, "an object", item)
        itype = item.get("type")
        if itype is None and "role" in item:
            itype = "message"  # openai-agents and pydantic-ai leave out "type" on messages
        if itype is None:
            raise missing(f"{where}.type")
        if not isinstance(itype, str):
            raise invalid_type(f"{where}.type", "a string", itype)
        if itype == "message":
            messages.append(_message_item(item, where))
        elif itype == "function_call":
            call_id = required_str(item, "call_id", where)
            name = required_str(item, "name", where)
            arguments = required_str(item, "arguments", where)
            call = {"id": call_id, "type": "function",
                    "function": {"name": name, "arguments": arguments}}
            last = messages[-1] if messages else None
            # Consecutive calls (and a text reply just before them) are one assistant turn.
            if last is not None and last["role"] == "assistant":
                last.setdefault("tool_calls", []).append(call)
            else:
                messages.append({"role": "assistant", "content": "", "tool_calls": [call]})
            calls[call_id] = name
        elif itype == "function_call_output":
            call_id = required_str(item, "call_id", where)
            if "output" not in item:
                raise missing(f"{where}.output")
            if call_id not in calls:
                raise APIError(400, f"No tool call found for function call output with call_id "
                                    f"{call_id[:64]}.", param="input")
            answered.add(call_id)
            messages.append({"role": "tool", "tool_call_id": call_id,
                             "content": _output_text(item["output"], f"{where}.output")})
        elif itype == "reasoning":
            continue  # a replayed reasoning item carries nothing a simulated model reads
        elif itype in ("item_reference", "function_call_output_item", "computer_call",
                       "web_search_call", "file_search_call", "image_generation_call",
                       "code_interpreter_call", "local_shell_call", "mcp_call", "custom_tool_call"):
            raise unsupported(f"{where}.type", f"'{itype}' items are not simulated; send "
                                               "messages, function_call and function_call_output items.")
        else:
            raise bad_enum(f"{where}.type", itype, ("message", "function_call",
                                                    "function_call_output", "reasoning"))
    unanswered = [c for c in calls if c not in answered]
    if unanswered:
        raise APIError(400, f"No tool output found for function call {unanswered[0][:64]}.",
                       param="input")
    return messages


def parse_responses_request(body: Any, lookup: Any) -> ResponsesRequest:
    """Check a ``/v1/responses`` body; ``lookup(id)`` returns a stored conversation or None."""
    if not isinstance(body, dict):
        raise APIError(400, f"Invalid request body: expected a JSON object, but got {kind(body)}.")
    if not PARAMETERS.keys() >= body.keys():
        raise unknown_parameter(next(n for n in body if n not in PARAMETERS))
    model = body.get("model")
    if model is None:
        raise missing("model")
    if not isinstance(model, str):
        raise invalid_type("model", "a string", model)
    stream = check_bool(body.get("stream"), "stream")
    instructions = check_str(body.get("instructions"), "instructions")
    _check_bookkeeping(body, bool(stream))
    _refuse_unsupported(body)
    previous = check_str(body.get("previous_response_id"), "previous_response_id")
    prior: list[dict[str, Any]] = []
    if previous is not None:
        stored = lookup(previous)
        if stored is None:
            raise APIError(400, f"Previous response with id '{previous[:100]}' not found.",
                           param="previous_response_id", code="previous_response_not_found")
        prior = [dict(m) for m in stored]
    if "input" not in body or body["input"] is None:
        raise missing("input")
    conversation = input_messages(body["input"], prior)
    if not conversation:
        raise APIError(400, "Invalid 'input': empty array. Expected an array with minimum length "
                            "1, but got an empty array instead.", param="input", code="empty_array")
    messages = ([{"role": "system", "content": instructions}] if instructions else []) + conversation

    tools = check_tools(body.get("tools"), flat=True)
    tool_choice, tools = check_tool_choice(body.get("tool_choice"), tools, flat=True,
                                           tools_given="tools" in body)
    parallel = check_parallel_tool_calls(body.get("parallel_tool_calls"), tools, flat=True)
    text = check_object(body.get("text"), "text") or {}
    for key in text:
        if key not in ("format", "verbosity"):
            raise unknown_parameter(f"text.{key}")
    if text.get("verbosity") not in (None, "medium"):
        check_enum(text["verbosity"], "text.verbosity", ("low", "medium", "high"))
        raise unsupported("text.verbosity", "the simulated models have one length setting, "
                                            "like gpt-4o (omit it or send 'medium').")
    response_format = check_response_format(text.get("format"), flat=True)
    if response_format is not None and response_format["type"] == "json_object" and not \
            mentions_json(m["content"] for m in messages):
        raise APIError(400, "Response input messages must contain the word 'json' in some form "
                            "to use 'text.format' of type 'json_object'.", param="text.format")
    store = check_bool(body.get("store"), "store")
    echo = {
        "instructions": instructions,
        "metadata": body.get("metadata") or {},
        "temperature": body.get("temperature") if body.get("temperature") is not None else 1.0,
        "top_p": body.get("top_p") if body.get("top_p") is not None else 1.0,
        "tools": [_flat_tool(t) for t in tools],
        "tool_choice": body.get("tool_choice") if body.get("tool_choice") is not None else "auto",
        "parallel_tool_calls": True if parallel is None else parallel,
        "text": {"format": _flat_format(response_format), "verbosity": "medium"},
        "max_output_tokens": body.get("max_output_tokens"),
        "max_tool_calls": body.get("max_tool_calls"),
        "previous_response_id": previous,
        "store": True if store is None else store,
        "user": body.get("user"),
        "truncation": body.get("truncation") or "disabled",
        "service_tier": body.get("service_tier") or "default",
    }
    return ResponsesRequest(
        model=model, messages=messages, conversation=conversation, stream=bool(stream),
        instructions=instructions, tools=tools, tool_choice=tool_choice,
        parallel_tool_calls=parallel, response_format=response_format,
        max_output_tokens=check_int_at_least(body.get("max_output_tokens"), "max_output_tokens", MIN_OUTPUT_TOKENS),
        max_tool_calls=check_int_at_least(body.get("max_tool_calls"), "max_tool_calls", 1),
        previous_response_id=previous, store=True if store is None else store, echo=echo)


def _flat_tool(tool: dict[str, Any]) -> dict[str, Any]:
    fn = tool["function"]
    return {"type": "function", "name": fn["name"], "description": fn.get("description"),
            "parameters": fn["parameters"], "strict": fn.get("strict")}


def _flat_format(response_format: dict[str, Any] | None) -> dict[str, Any]:
    if response_format is None:
        return {"type": "text"}
    if response_format["type"] == "json_object":
        return {"type": "json_object"}
    spec = response_format["json_schema"]
    return {"type": "json_schema", "name": spec["name"], "schema": spec["schema"],
            "strict": spec["strict"], "description": spec.get("description")}


def _check_bookkeeping(body: dict[str, Any], stream: bool) -> None:
    """Fields that label, route or trim a request without changing the simulated answer."""
    for name in ("user", "prompt_cache_key", "safety_identifier"):
        check_str(body.get(name), name)
    check_metadata(body.get("metadata"))
    check_enum(body.get("service_tier"), "service_tier", _SERVICE_TIERS)
    check_enum(body.get("prompt_cache_retention"), "prompt_cache_retention", ("in_memory", "24h"))
    # "auto" may drop old turns to fit the context window; no simulated conversation gets there
    # before the 400 for an oversized prompt, so both values behave like "disabled".
    check_enum(body.get("truncation"), "truncation", ("auto", "disabled"))
    for name, (low, high) in (("temperature", (0.0, 2.0)), ("top_p", (0.0, 1.0))):
        value = body.get(name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise invalid_type(name, "a number", value)
        if not low <= value <= high:
            raise invalid_value(name, f"expected a number between {low:g} and {high:g}, got {value}.")
    include = body.get("include")
    if include is not None:
        if not isinstance(include, list):
            raise invalid_type("include", "an array", include)
        for j, name in enumerate(include):
            if name not in _INCLUDABLE:
                raise bad_enum(f"include[{j}]", name, _INCLUDABLE)
        if "message.output_text.logprobs" in include:
            raise unsupported("include", "it has no token probabilities to report "
                                         "('message.output_text.logprobs').")
        # The other values ask for outputs of tools the simulator does not run: nothing to add.
    options = check_object(body.get("stream_options"), "stream_options")
    if options is not None:
        if not stream:
            raise APIError(400, "The 'stream_options' parameter is only allowed when 'stream' "
                                "is enabled.", param="stream_options")
        for key in options:
            if key != "include_obfuscation":
                raise unknown_parameter(f"stream_options.{key}")
        check_bool(options.get("include_obfuscation"), "stream_options.include_obfuscation")


def _refuse_unsupported(body: dict[str, Any]) -> None:
    check_logprobs(None, body.get("top_logprobs"))
    reasoning = check_object(body.get("reasoning"), "reasoning")
    if reasoning:
        effort = reasoning.get("effort")
        if effort not in (None, "none") or reasoning.get("summary") not in (None,) or \
                reasoning.get("generate_summary") is not None:
            raise unsupported("reasoning", "the simulated models do not reason, like gpt-4o "
                                           "(omit it, or send {\"effort\": \"none\"}).")
    if check_bool(body.get("background"), "background"):
        raise unsupported("background", "answers are not queued; send the request without it.")
    for name, why in (("conversation", "conversations are not stored; use "
                                        "'previous_response_id' or send the whole input."),
                      ("prompt", "there are no stored prompt templates."),
                      ("context_management", "contexts never need compacting here."),
                      ("access_programs", "there are no access programs."),
                      ("background_options", "answers are not queued."),
                      ("image", "the simulated models answer in text only."),
                      ("moderation", "there is no moderation model."),
                      ("prompt_cache_options", "there is no prompt cache.")):
        if body.get(name) is not None:
            raise unsupported(name, why)
