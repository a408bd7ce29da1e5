"""When the simulated model calls a tool, which one, and with what arguments (issue 10).

The policy, in the words a lesson can use:

1. The model looks at the **last user turn**. A tool *matches* it when the turn names the tool
   (``get_weather`` or "get weather"), contains a word of the tool's name (``weather``), or
   shares at least two words with the tool's description.
2. ``tool_choice="auto"`` (the default when tools are given): every matching tool that has not
   been called since that user turn is called, **all in one message** (parallel calls), in the
   order of ``tools``. A tool whose main argument is a name (city, location, ...) is called
   once per name the user gave ("weather in Oslo and Lima" -> two calls).
   ``parallel_tool_calls=False`` -> only the best match now, the next one on the next turn.
3. Once the results of those calls are back (``tool`` messages) and nothing is left to call,
   the model **answers in prose that quotes the results**.
4. ``"none"`` never calls; ``"required"`` always calls (the matching tools, else the best
   uncalled one -- a tool named like ``final_result``/``answer`` first -- else the first tool);
   a named function (``{"type": "function", "function": {"name": "X"}}``) always calls X.
5. Arguments are valid against each tool's JSON schema (:mod:`course_utils.schema_instances`),
   with values taken from the user's words where a property's name says what it wants
   (``city`` -> a capitalised name, ``query`` -> the phrase after "for"/"about", numbers ->
   the numbers given), the rest drawn from the seed. Everything is deterministic.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from dataclasses import dataclass, field
from collections.abc import Mapping, Sequence
from typing import Any

from .faults import BadRequestError
from .schema_instances import ENTITY_NAMES, Hints, hints_for, instance, resolve
from .textgen import _STOPWORDS

# Name words that say nothing about what a tool is for.
_GENERIC = frozenset("""get set fetch find lookup look make run do call tool tools function the
    for and with from list create update delete current info data api by new add remove use
    query search_ to of""".split())
_FINAL = ("final_result", "final", "answer", "respond", "response", "output", "result", "submit")
_SPLIT = re.compile(r"[^A-Za-z0-9]+|(?<=[a-z])(?=[A-Z])")
_WORDS = re.compile(r"[a-z][a-z0-9']+")
_DESC_STOP = _STOPWORDS | frozenset("""return returns given provided using based information
    specified value values optional required string number""".split())
MAX_PARALLEL = 5  # at most this many calls in one message


@dataclass(frozen=True)
class ToolSpec:
    """One function tool, read from either wire shape (Chat's nested or Responses' flat)."""

    name: str
    description: str = ""
    parameters: Mapping[str, Any] = field(default_factory=lambda: {"type": "object", "properties": {}})
    strict: bool = False

    @property
    def name_words(self) -> tuple[str, ...]:
        return _name_words(self.name)


@lru_cache(maxsize=1024)
def _name_words(name: str) -> tuple[str, ...]:
    return tuple(w.lower() for w in _SPLIT.split(name) if w)


@lru_cache(maxsize=1024)
def _description_words(description: str) -> frozenset[str]:
    return frozenset(w for w in _WORDS.findall(description.lower()) if len(w) >= 4 and w not in _DESC_STOP)


@lru_cache(maxsize=1024)
def _text_words(text: str) -> tuple[str, frozenset[str], frozenset[str]]:
    low = text.lower()
    words = frozenset(_WORDS.findall(low))
    return low, words, frozenset({_stem(w) for w in words} | {w.rstrip("s") for w in words})


def tool_specs(tools: Sequence[Any] | None) -> list[ToolSpec]:
    """Read OpenAI function tools; malformed ones raise :class:`BadRequestError` naming the field.

    The HTTP layer validates more strictly before this; in process this is the only check.
    """
    if tools is None:
        return []
    if not isinstance(tools, (list, tuple)) and (not isinstance(tools, Sequence)
                                                 or isinstance(tools, (str, bytes))):
        raise BadRequestError("tools must be a list of function tools", param="tools")
    out = []
    for i, tool in enumerate(tools):
        if isinstance(tool, ToolSpec):
            out.append(tool)
            continue
        if not isinstance(tool, Mapping) or tool.get("type", "function") != "function":
            raise BadRequestError(f"tools[{i}] must be {{'type': 'function', 'function': {{...}}}}",
                                  param=f"tools[{i}]")
        fn = tool.get("function", tool)  # Responses API tools are flat
        if not isinstance(fn, Mapping) or not isinstance(fn.get("name"), str) or not fn["name"]:
            raise BadRequestError(f"Missing required parameter: 'tools[{i}].function.name'.",
                                  param=f"tools[{i}].function.name", code="missing_required_parameter")
        params = fn.get("parameters")
        if params is None:
            params = {"type": "object", "properties": {}}
        if not isinstance(params, Mapping):
            raise BadRequestError(f"tools[{i}].function.parameters must be a JSON schema object",
                                  param=f"tools[{i}].function.parameters")
        description = fn.get("description")
        out.append(ToolSpec(fn["name"], description if isinstance(description, str) else "",
                            params, bool(fn.get("strict"))))
    return out


@dataclass(frozen=True)
class Choice:
    """``tool_choice`` read into: mode ``none|auto|required`` and the tools it allows."""

    mode: str
    forced: str | None = None
    allowed: frozenset[str] | None = None


def read_tool_choice(tool_choice: Any, tools: Sequence[ToolSpec]) -> Choice:
    """Chat and Responses shapes of ``tool_choice``; anything else is a :class:`BadRequestError`."""
    if tool_choice is None:
        return Choice("auto" if tools else "none")
    if tool_choice in ("none", "auto", "required"):
        return Choice(tool_choice)
    if isinstance(tool_choice, Mapping):
        kind = tool_choice.get("type")
        if kind == "function":
            fn = tool_choice.get("function", tool_choice)
            name = fn.get("name") if isinstance(fn, Mapping) else None
            if isinstance(name, str):
                if name not in {t.name for t in tools}:
                    raise BadRequestError(f"Tool choice '{name}' not found in 'tools' parameter.",
                                          param="tool_choice")
                return Choice("required", forced=name)
        if kind == "allowed_tools":
            inner = tool_choice.get("allowed_tools", tool_choice)
            mode = inner.get("mode", "auto") if isinstance(inner, Mapping) else None
            listed = inner.get("tools") if isinstance(inner, Mapping) else None
            if mode in ("auto", "required") and isinstance(listed, list):
                names = set()
                for t in listed:
                    fn = t.get("function", t) if isinstance(t, Mapping) else None
                    if isinstance(fn, Mapping) and isinstance(fn.get("name"), str):
                        names.add(fn["name"])
                return Choice(mode, allowed=frozenset(names))
    raise BadRequestError(f"Invalid value for 'tool_choice': {tool_choice!r}. Supported values are: "
                          "'none', 'auto', 'required' or a named function.", param="tool_choice",
                          code="invalid_value")


@dataclass(frozen=True)
class Conversation:
    """What the policy reads from the messages: the user's turn and what happened since."""

    user_text: str
    called: tuple[str, ...]                 # tools called since the last user turn
    results: tuple[tuple[str, str], ...]    # (tool name, result text) since the last user turn
    turn: int                               # assistant messages so far (scripted turns key)


def read_conversation(messages: Sequence[Mapping[str, Any]]) -> Conversation:
    last_user = max((i for i, m in enumerate(messages) if m.get("role") == "user"), default=-1)
    if last_user >= 0:
        user_text = str(messages[last_user].get("content") or "")
    else:
        user_text = "\n".join(str(m.get("content") or "") for m in messages)
    names_by_id: dict[str, str] = {}
    called: list[str] = []
    results: list[tuple[str, str]] = []
    for m in messages[last_user + 1:]:
        if m.get("role") == "assistant":
            for tc in m.get("tool_calls") or ():
                fn = tc.get("function", {}) if isinstance(tc, Mapping) else {}
                name = fn.get("name") if isinstance(fn, Mapping) else None
                if isinstance(name, str):
                    called.append(name)
                    if isinstance(tc.get("id"), str):
                        names_by_id[tc["id"]] = name
        elif m.get("role") == "tool":
            name = names_by_id.get(str(m.get("tool_call_id")), "the tool")
            results.append((name, str(m.get("content") or "")))
    turn = sum(1 for m in messages if m.get("role") == "assistant")
    return Conversation(user_text, tuple(called), tuple(results), turn)


def _stem(word: str) -> str:
    return word[:5] if len(word) >= 5 else word


def score(tool: ToolSpec, text: str) -> int:
    """How clearly ``text`` asks for ``tool`` (0: not at all; >= 10: it names the tool)."""
    low, words, stems = _text_words(text)
    if tool.name.lower() in low or (len(tool.name_words) > 1 and " ".join(tool.name_words) in low):
        return 100
    total = 0
    for w in tool.name_words:
        if len(w) >= 3 and w not in _GENERIC and (w in words or _stem(w) in stems or w.rstrip("s") in stems):
            total += 10
    hits = sum(1 for w in _description_words(tool.description) if w in words or _stem(w) in stems)
    return total + (hits if hits >= 2 else 0)


@dataclass(frozen=True)
class Decision:
    """``calls`` (tool name, arguments dict) to make now; empty means: answer in prose."""

    calls: tuple[tuple[str, dict[str, Any]], ...]
    results: tuple[tuple[str, str], ...]
    hints: Hints


def decide(messages: Sequence[Mapping[str, Any]], tools: Sequence[ToolSpec], choice: Choice, *,
           parallel: bool, seed: int) -> Decision:
    """Apply the policy in this module's docstring."""
    conv = read_conversation(messages)
    hints = hints_for(conv.user_text)
    if choice.mode == "none" or not tools:
        return Decision((), conv.results, hints)
    usable = [t for t in tools if choice.allowed is None or t.name in choice.allowed] or list(tools)
    if choice.forced is not None:
        spec = next(t for t in tools if t.name == choice.forced)
        return Decision(((spec.name, arguments(spec, _with_results(hints, conv), seed)),), conv.results, hints)
    ranked = sorted(((score(t, conv.user_text), i, t) for i, t in enumerate(usable)),
                    key=lambda x: (-x[0], x[1]))
    wanted = [t for s, _, t in ranked if s >= 2 and t.name not in conv.called]
    if not wanted and choice.mode == "required":
        uncalled = [t for t in usable if t.name not in conv.called]
        finals = [t for t in uncalled if t.name.lower().startswith(_FINAL)]
        wanted = [(finals or uncalled or [ranked[0][2]])[0]]
    if not wanted:
        return Decision((), conv.results, hints)
    if not parallel:
        wanted = wanted[:1]
    else:
        wanted.sort(key=lambda t: usable.index(t))  # parallel calls come in the order of `tools`
    arg_hints = _with_results(hints, conv)
    calls: list[tuple[str, dict[str, Any]]] = []
    for spec in wanted:
        per_name = _entity_count(spec, hints) if parallel else 1
        for k in range(per_name):
            if len(calls) < MAX_PARALLEL:
                calls.append((spec.name, arguments(spec, arg_hints, seed, pick=k)))
    return Decision(tuple(calls), conv.results, hints)


def _with_results(hints: Hints, conv: Conversation) -> Hints:
    if not conv.results:
        return hints
    # A call made after results (e.g. pydantic-ai's final_result) may use what they said.
    return hints.merged(hints_for("\n".join(text for _, text in conv.results)))


def _entity_count(spec: ToolSpec, hints: Hints) -> int:
    """One call per name given, when the tool's first required property is a name."""
    params = resolve(spec.parameters, spec.parameters)
    required = params.get("required") if isinstance(params, Mapping) else None
    if not isinstance(required, list) or not required or len(hints.names) < 2:
        return 1
    first = required[0]
    return min(len(hints.names), MAX_PARALLEL) if str(first).lower() in ENTITY_NAMES else 1


def arguments(spec: ToolSpec, hints: Hints, seed: int, pick: int = 0) -> dict[str, Any]:
    value = instance(spec.parameters, hints, seed=seed, pick=pick)
    return value if isinstance(value, dict) else {}


def prose_from_results(results: Sequence[tuple[str, str]]) -> str:
    """The answer once results are in: it quotes each one (shortened), so a reader sees them used."""
    parts = []
    for name, text in results:
        flat = " ".join(text.split())
        if len(flat) > 240:
            flat = flat[:237].rstrip() + "..."
        parts.append(f"According to {name}: {flat}" if flat else f"{name} returned nothing.")
    summary = " ".join(p if p.endswith((".", "!", "?", "...")) else p + "." for p in parts)
    return f"Here is what I found. {summary}"


def dumps(arguments: Mapping[str, Any]) -> str:
    """Arguments as OpenAI sends them: compact JSON text."""
    return json.dumps(arguments, separators=(",", ":"), ensure_ascii=False)
