"""Checks of OpenAI request parameters shared by ``/v1/chat/completions`` and ``/v1/responses``.

The course's rule is that the local server honours every parameter it accepts or refuses it with
the 400 a real provider would send, naming the parameter: a framework that gets a silent no-op
"works" and then fails somewhere far away, blaming the model. These functions raise
:class:`~course_utils.api_errors.APIError` with OpenAI's wording and ``param`` paths, and return
the parameters in **one** normalised shape (Chat Completions', which the engine reads), whatever
API they came from: the Responses API's flat tool ``{"type": "function", "name", ...}`` becomes
``{"type": "function", "function": {"name", ...}}`` here.
"""

from __future__ import annotations

import re
from typing import Any, Iterable

from .api_errors import (APIError, bad_enum, clip, invalid_type, invalid_value, missing,
                         too_long_array, unsupported)

#: OpenAI's limits, quoted in its own error messages.
MAX_TOOLS = 128
MAX_STOP = 4
MAX_NAME = 64
_NAME = re.compile(r"^[a-zA-Z0-9_-]+$")
INT64 = (-(1 << 63), (1 << 63) - 1)
TOOL_CHOICE_MODES = ("none", "auto", "required")
FORMAT_TYPES = ("text", "json_object", "json_schema")


# --------------------------------------------------------------------------- small shapes


def check_name(value: Any, param: str) -> str:
    """A function or schema name: ``^[a-zA-Z0-9_-]+$``, at most 64 characters."""
    if value is None:
        raise missing(param)
    if not isinstance(value, str):
        raise invalid_type(param, "a string", value)
    if not value:
        raise APIError(400, f"Invalid '{param}': empty string. Expected a string with minimum "
                            "length 1, but got an empty string instead.", param=param,
                       code="empty_string")
    if len(value) > MAX_NAME:
        raise APIError(400, f"Invalid '{param}': string too long. Expected a string with maximum "
                            f"length {MAX_NAME}, but got a string with length {len(value)} instead.",
                       param=param, code="string_above_max_length")
    if not _NAME.match(value):
        raise APIError(400, f"Invalid '{param}': string does not match pattern. Expected a string "
                            "that matches the pattern '^[a-zA-Z0-9_-]+$'.", param=param,
                       code="invalid_value")
    return value


def check_bool(value: Any, param: str) -> bool | None:
    if value is not None and not isinstance(value, bool):
        raise invalid_type(param, "a boolean", value)
    return value


def check_int_at_least(value: Any, param: str, minimum: int = 1) -> int | None:
    """An optional integer (never a bool) of at least ``minimum``, refused as OpenAI words it."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise invalid_type(param, "an integer", value)
    if value < minimum:
        raise APIError(400, f"Invalid '{param}': integer below minimum value. Expected a value >= "
                            f"{minimum}, but got {value} instead.", param=param,
                       code="integer_below_min_value")
    return value


def required_str(item: dict[str, Any], key: str, where: str) -> str:
    """``item[key]``, which must be present and a string (``where`` names ``item`` in errors)."""
    value = item.get(key)
    if value is None:
        raise missing(f"{where}.{key}")
    if not isinstance(value, str):
        raise invalid_type(f"{where}.{key}", "a string", value)
    return value


def check_str(value: Any, param: str) -> str | None:
    if value is not None and not isinstance(value, str):
        raise invalid_type(param, "a string", value)
    return value


def check_object(value: Any, param: str) -> dict[str, Any] | None:
    if value is not None and not isinstance(value, dict):
        raise invalid_type(param, "an object", value)
    return value


def check_metadata(value: Any, param: str = "metadata") -> None:
    """Up to 16 string pairs (keys ≤ 64, values ≤ 512 characters), as OpenAI stores them."""
    if value is None:
        return
    if not isinstance(value, dict):
        raise invalid_type(param, "an object", value)
    if len(value) > 16:
        raise APIError(400, f"Invalid '{param}': too many properties. Expected an object with at "
                            f"most 16 properties, but got an object with {len(value)} properties "
                            "instead.", param=param, code="object_above_max_properties")
    for key, item in value.items():
        where = f"{param}.{clip(key, 64)}"
        if not isinstance(item, str):
            raise invalid_type(where, "a string", item)
        if len(key) > 64 or len(item) > 512:
            raise APIError(400, f"Invalid '{where}': string too long.", param=where,
                           code="string_above_max_length")


def check_enum(value: Any, param: str, allowed: tuple[str, ...]) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise invalid_type(param, "a string", value)
    if value not in allowed:
        raise bad_enum(param, value, allowed)
    return value


def check_seed(value: Any) -> int | None:
    """An integer in int64's range (what the real API accepts)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise invalid_type("seed", "an integer", value)
    low, high = INT64
    if value < low:
        raise APIError(400, f"Invalid 'seed': integer below minimum value. Expected a value >= "
                            f"{low}, but got {value} instead.", param="seed",
                       code="integer_below_min_value")
    if value > high:
        raise APIError(400, f"Invalid 'seed': integer above maximum value. Expected a value <= "
                            f"{high}, but got {clip(str(value), 40)} instead.", param="seed",
                       code="integer_above_max_value")
    return value


def check_stop(value: Any) -> tuple[str, ...] | None:
    """``stop``: a string or up to four strings, none empty."""
    if value is None:
        return None
    if isinstance(value, str):
        items: list[Any] = [value]
        where = ["stop"]
    elif isinstance(value, list):
        if len(value) > MAX_STOP:
            raise too_long_array("stop", MAX_STOP, len(value))
        items, where = value, [f"stop[{i}]" for i in range(len(value))]
    else:
        raise invalid_type("stop", "one of a string or array of strings", value)
    for item, param in zip(items, where):
        if not isinstance(item, str):
            raise invalid_type(param, "a string", item)
        if not item:
            raise APIError(400, f"Invalid '{param}': empty string. Expected a string with minimum "
                                "length 1, but got an empty string instead.", param=param,
                           code="empty_string")
    return tuple(items) or None


def check_logprobs(logprobs: Any, top_logprobs: Any, *, top_param: str = "top_logprobs") -> None:
    """Refused rather than faked: the simulator has no token probabilities to report.

    Made-up numbers would look real to a learner who plots them; a clear 400 says the truth.
    ``logprobs: false`` (the default) and ``top_logprobs: 0`` are accepted.
    """
    if check_bool(logprobs, "logprobs"):
        raise unsupported("logprobs", "it has no token probabilities to report (the answers "
                                      "come from a seeded text generator, not from sampling).")
    if top_logprobs is None:
        return
    if isinstance(top_logprobs, bool) or not isinstance(top_logprobs, int):
        raise invalid_type(top_param, "an integer", top_logprobs)
    if not 0 <= top_logprobs <= 20:
        raise invalid_value(top_param, f"expected an integer between 0 and 20, got {top_logprobs}.")
    if top_logprobs:
        raise unsupported(top_param, "it has no token probabilities to report (the answers "
                                     "come from a seeded text generator, not from sampling).")


# --------------------------------------------------------------------------- JSON schemas


def _schema_type_error(label: str, param: str, code: str, schema: dict[str, Any]) -> APIError:
    got = schema.get("type")
    shown = got if isinstance(got, str) else "None"
    return APIError(400, f"Invalid schema for {label}: schema must be a JSON Schema of "
                         f"'type: \"object\"', got 'type: \"{clip(shown, 40)}\"'.", param=param,
                    code=code)


def check_strict_schema(schema: dict[str, Any], label: str, param: str, code: str) -> None:
    """OpenAI's strict-mode rules: every object says ``additionalProperties: false`` and
    lists every property in ``required``. ``label`` is e.g. ``response_format 'Answer'``."""

    def fail(context: tuple[Any, ...], rule: str) -> APIError:
        return APIError(400, f"Invalid schema for {label}: In context={context!r}, {rule}",
                        param=param, code=code)

    def walk(node: Any, context: tuple[Any, ...], depth: int) -> None:
        if depth > 10:  # OpenAI's own nesting limit for structured outputs
            raise APIError(400, f"Invalid schema for {label}: schema nesting exceeds 10 levels.",
                           param=param, code=code)
        if not isinstance(node, dict):
            return
        is_object = node.get("type") == "object" or "properties" in node
        if is_object:
            if node.get("additionalProperties") is not False:
                raise fail(context, "'additionalProperties' is required to be supplied and to "
                                    "be false.")
            properties = node.get("properties") or {}
            if not isinstance(properties, dict):
                raise fail(context, "'properties' must be an object.")
            required = node.get("required")
            listed = set(required) if isinstance(required, list) and all(
                isinstance(r, str) for r in required) else None
            absent = [k for k in properties if listed is None or k not in listed]
            if absent or (listed is None and properties):
                shown = absent[0] if absent else ""
                raise fail(context, "'required' is required to be supplied and to be an array "
                                    f"including every key in properties. Missing '{clip(shown, 64)}'.")
            for key, sub in properties.items():
                walk(sub, context + ("properties", key), depth + 1)
        items = node.get("items")
        if isinstance(items, dict):
            walk(items, context + ("items",), depth + 1)
        for keyword in ("anyOf", "allOf", "oneOf", "prefixItems"):
            options = node.get(keyword)
            if isinstance(options, list):
                for i, sub in enumerate(options):
                    walk(sub, context + (keyword, i), depth + 1)
        for keyword in ("$defs", "definitions"):
            defs = node.get(keyword)
            if isinstance(defs, dict):
                for key, sub in defs.items():
                    walk(sub, context + (keyword, key), depth)

    walk(schema, (), 0)


def check_object_schema(schema: Any, label: str, param: str, code: str, *, strict: bool,
                        allow_empty: bool) -> dict[str, Any]:
    """A JSON schema whose root is ``type: "object"`` (tool parameters and structured outputs)."""
    if not isinstance(schema, dict):
        raise invalid_type(param, "an object", schema)
    if not schema and allow_empty:  # a tool without arguments
        return schema
    if schema.get("type") != "object":
        raise _schema_type_error(label, param, code, schema)
    if strict:
        check_strict_schema(schema, label, param, code)
    return schema


# --------------------------------------------------------------------------- tools


def _nested_spec(obj: dict[str, Any], key: str, where: str, flat: bool) -> tuple[dict[str, Any], str]:
    """The object holding name/description/strict, and its param path: the Responses API puts
    them on ``obj`` itself (flat), Chat Completions one level down under ``key``."""
    if flat:
        return obj, where
    base = f"{where}.{key}"
    spec = obj.get(key)
    if spec is None:
        raise missing(base)
    if not isinstance(spec, dict):
        raise invalid_type(base, "an object", spec)
    return spec, base


def check_tools(raw: Any, *, flat: bool) -> list[dict[str, Any]]:
    """``tools``: function tools only. ``flat`` for the Responses API's shape.

    Returns Chat-shaped tools: ``{"type": "function", "function": {"name", "description",
    "parameters", "strict"}}`` with ``parameters`` always present (``{}`` when omitted).
    """
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise invalid_type("tools", "an array", raw)
    if not raw and not flat:  # Chat refuses an empty list; Responses takes it (agents sends one)
        raise APIError(400, "Invalid 'tools': empty array. Expected an array with minimum length "
                            "1, but got an empty array instead.", param="tools", code="empty_array")
    if len(raw) > MAX_TOOLS:
        raise too_long_array("tools", MAX_TOOLS, len(raw))
    tools = []
    names: set[str] = set()
    for i, tool in enumerate(raw):
        where = f"tools[{i}]"
        if not isinstance(tool, dict):
            raise invalid_type(where, "an object", tool)
        kind = tool.get("type")
        if kind is None:
            raise missing(f"{where}.type")
        if kind != "function":
            if kind in ("custom", "web_search", "web_search_preview", "file_search",
                        "code_interpreter", "computer_use_preview", "image_generation", "mcp",
                        "local_shell", "shell", "apply_patch"):
                raise unsupported(f"{where}.type", f"only function tools can be simulated, not "
                                                   f"'{kind}' tools.")
            raise bad_enum(f"{where}.type", kind, ("function", "custom") if not flat
                           else ("function", "custom", "web_search", "file_search", "mcp"))
        spec, base = _nested_spec(tool, "function", where, flat)
        name = check_name(spec.get("name"), f"{base}.name")
        description = check_str(spec.get("description"), f"{base}.description")
        strict = check_bool(spec.get("strict"), f"{base}.strict")
        parameters = spec.get("parameters")
        if parameters is None:
            parameters = {}
        check_object_schema(parameters, f"function '{name}'", f"{base}.parameters",
                            "invalid_function_parameters", strict=bool(strict), allow_empty=True)
        if name in names:
            raise APIError(400, f"Invalid 'tools': duplicate function name '{name}'. Every tool "
                                "needs a distinct name.", param=f"{base}.name", code="invalid_value")
        names.add(name)
        function: dict[str, Any] = {"name": name, "parameters": parameters}
        if description is not None:
            function["description"] = description
        if strict is not None:
            function["strict"] = strict
        tools.append({"type": "function", "function": function})
    return tools


def _tool_names(tools: Iterable[dict[str, Any]]) -> list[str]:
    return [t["function"]["name"] for t in tools]


def check_tool_choice(raw: Any, tools: list[dict[str, Any]], *, flat: bool,
                      tools_given: bool) -> tuple[Any, list[dict[str, Any]]]:
    """``tool_choice`` against the checked ``tools``; returns it Chat-shaped, with the tools.

    ``{"type": "allowed_tools", ...}`` is honoured by narrowing the tools to the allowed ones
    and using its ``mode``, which is what the model sees on the real API.
    """
    if raw is None:
        return None, tools
    if not tools:
        if flat and tools_given and raw in ("none", "auto"):
            # Responses takes a mode with an empty tools list (openai-agents always sends
            # tools); without tools both modes mean a plain answer, which is what comes back.
            return None, tools
        raise invalid_value("tool_choice", "'tool_choice' is only allowed when 'tools' are "
                                           "specified.")
    if isinstance(raw, str):
        if raw not in TOOL_CHOICE_MODES:
            raise bad_enum("tool_choice", raw, TOOL_CHOICE_MODES)
        return raw, tools
    if not isinstance(raw, dict):
        raise invalid_type("tool_choice", "one of a string or object", raw)
    kind = raw.get("type")
    if kind is None:
        raise missing("tool_choice.type")
    if kind == "function":
        if flat:
            name = check_name(raw.get("name"), "tool_choice.name")
        else:
            spec = raw.get("function")
            if spec is None:
                raise missing("tool_choice.function")
            if not isinstance(spec, dict):
                raise invalid_type("tool_choice.function", "an object", spec)
            name = check_name(spec.get("name"), "tool_choice.function.name")
        if name not in _tool_names(tools):
            raise APIError(400, f"Tool choice '{name}' not found in 'tools' parameter.",
                           param="tool_choice", code="invalid_value")
        return {"type": "function", "function": {"name": name}}, tools
    if kind == "allowed_tools":
        spec = raw if flat else raw.get("allowed_tools")
        base = "tool_choice" if flat else "tool_choice.allowed_tools"
        if spec is None:
            raise missing(base)
        if not isinstance(spec, dict):
            raise invalid_type(base, "an object", spec)
        mode = spec.get("mode")
        if mode is None:
            raise missing(f"{base}.mode")
        check_enum(mode, f"{base}.mode", ("auto", "required"))
        allowed = spec.get("tools")
        if allowed is None:
            raise missing(f"{base}.tools")
        if not isinstance(allowed, list):
            raise invalid_type(f"{base}.tools", "an array", allowed)
        wanted: list[str] = []
        for j, ref in enumerate(allowed):
            where = f"{base}.tools[{j}]"
            if not isinstance(ref, dict):
                raise invalid_type(where, "an object", ref)
            if ref.get("type") != "function":
                raise bad_enum(f"{where}.type", ref.get("type"), ("function",))
            inner = ref if flat or "function" not in ref else ref["function"]
            if not isinstance(inner, dict):
                raise invalid_type(f"{where}.function", "an object", inner)
            name = check_name(inner.get("name"), f"{where}.name")
            if name not in _tool_names(tools):
                raise APIError(400, f"Tool choice '{name}' not found in 'tools' parameter.",
                               param=where, code="invalid_value")
            wanted.append(name)
        return mode, [t for t in tools if t["function"]["name"] in wanted]
    if kind == "custom":
        raise unsupported("tool_choice.type", "only function tools can be simulated.")
    raise bad_enum("tool_choice.type", kind, ("function", "allowed_tools", "custom"))


def check_parallel_tool_calls(raw: Any, tools: list[dict[str, Any]], *, flat: bool) -> bool | None:
    value = check_bool(raw, "parallel_tool_calls")
    if value is not None and not tools and not flat:
        # Chat Completions refuses it without tools (openai-agents even works around that).
        raise invalid_value("parallel_tool_calls", "'parallel_tool_calls' is only allowed when "
                                                   "'tools' are specified.")
    return value


# --------------------------------------------------------------------------- structured output


def check_response_format(raw: Any, *, flat: bool) -> dict[str, Any] | None:
    """``response_format`` (Chat) or ``text.format`` (Responses, ``flat``), returned Chat-shaped:
    ``{"type": "text"}``, ``{"type": "json_object"}`` or ``{"type": "json_schema",
    "json_schema": {"name", "schema", "strict", "description"?}}``; ``None`` for plain text."""
    param = "text.format" if flat else "response_format"
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise invalid_type(param, "an object", raw)
    kind = raw.get("type")
    if kind is None:
        raise missing(f"{param}.type")
    if kind not in FORMAT_TYPES:
        raise bad_enum(f"{param}.type", kind, FORMAT_TYPES)
    if kind == "text":
        return None
    if kind == "json_object":
        return {"type": "json_object"}
    spec, base = _nested_spec(raw, "json_schema", param, flat)
    name = check_name(spec.get("name"), f"{base}.name")
    description = check_str(spec.get("description"), f"{base}.description")
    strict = check_bool(spec.get("strict"), f"{base}.strict")
    if "schema" not in spec or spec["schema"] is None:
        raise missing(f"{base}.schema")
    schema = check_object_schema(spec["schema"], f"response_format '{name}'", f"{base}.schema",
                                 "invalid_json_schema", strict=bool(strict), allow_empty=False)
    out: dict[str, Any] = {"name": name, "schema": schema, "strict": bool(strict)}
    if description is not None:
        out["description"] = description
    return {"type": "json_schema", "json_schema": out}


def mentions_json(texts: Iterable[str]) -> bool:
    """The json_object rule: the word "json" must appear somewhere in the input (any case)."""
    return any("json" in text.lower() for text in texts)
