"""The simulated LLM: an async client and its blocking twin (introduced in lesson 01).

>>> llm = SimulatedLLM()                      # the course's default model, seed and time scale
>>> answer = await llm.complete("Summarize: asyncio lets one thread wait for many things.")
>>> async for token in llm.stream("Tell me about event loops"):
...     print(token, end="")

Both clients share one engine, so for the same seed and the same sequence of calls they give the
same texts, the same latencies (before the event loop's own noise) and the same failures. Nothing
touches the network; latencies are course seconds scaled by ``COURSE_TIME_SCALE``.

The model can act as an agent's brain (issue 10): give it OpenAI function tools and it answers
with tool calls, then with prose that uses their results::

    tools = [{"type": "function", "function": {"name": "get_weather", "parameters": {
        "type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}]
    messages = [{"role": "user", "content": "What is the weather in Oslo?"}]
    reply = await llm.complete(messages, tools=tools)     # reply.finish_reason == "tool_calls"
    messages.append(reply.message)                        # the assistant turn, OpenAI-shaped
    for c in reply.tool_calls:                            # c.id, c.name, c.arguments (JSON), c.args
        messages.append({"role": "tool", "tool_call_id": c.id, "content": "sunny, 21 C"})
    final = await llm.complete(messages, tools=tools)     # prose quoting "sunny, 21 C"

When and which tools it calls is the documented policy of :mod:`course_utils.toolpolicy`;
:mod:`course_utils.scripting` scripts given turns instead. ``response_format`` (``json_object``
or ``json_schema``) makes the content JSON (``Completion.parsed``); ``stop`` cuts the text.

Engine API (shared with the HTTP server, :mod:`course_utils.server`)::

    LLMEngine.plan(messages, *, system=None, model=None, max_tokens=None, tools=None,
                   tool_choice=None, parallel_tool_calls=None, response_format=None,
                   stop=None, seed=None) -> CallPlan

``messages`` is a prompt string or OpenAI chat messages (system/developer/user/assistant with
``tool_calls``/tool with ``tool_call_id``; content a string or a list of text parts). A
:class:`CallPlan` holds ``tool_calls`` (:class:`ToolCall`), the content ``tokens``,
``finish_reason`` (``stop|length|tool_calls``), ``prompt_tokens``/``completion_tokens``, the
latency model (``ttft``, ``per_token``) and the fault ``outcome``; ``pieces`` is what a stream
delivers (content tokens as ``str``, then :class:`ToolCallDelta` per call). How a plan plays
out in time -- waits, pieces, failure, usage record -- is :mod:`course_utils.outcomes`, the
one interpreter every driver (async/sync, complete/stream, the server) follows.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, AsyncIterator, Iterator, Union

from . import clock, outcomes, tracing
from .config import DEFAULT_MODEL, settings
from .faults import (SCRIPTED_RETRY_AFTER, BadRequestError, FaultPlan, LLMError, RateLimitError,
                     ServerError, StreamInterrupted, failure_kind)
from .metrics import Metrics
from .openai_params import INT64
from .presets import PRESETS, ModelPreset, get_preset
from .ratelimit import RateLimits
from .seeding import mix_unit, stable_int
from .textgen import Answer, FixedAnswer, count_tokens, cut_at_stop, generate

if TYPE_CHECKING:
    from .schema_instances import Hints
    from .scripting import Turn
    from .toolpolicy import Choice

# The agent modules (toolpolicy, schema_instances, scripting) are imported on first use: the
# lessons before agents never need them, and `import course_utils` should stay quick.

Message = Mapping[str, Any]
Prompt = Union[str, Sequence[Message]]

#: How long a refused or failed request takes to come back (a network round trip).
ERROR_LATENCY = outcomes.ERROR_LATENCY
_ROLES = frozenset({"system", "user", "assistant", "tool", "developer"})
_TEXT_PARTS = frozenset({"text", "input_text", "output_text"})
_ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
# Argument fragments as a real tokenizer cuts JSON: a word, or a run of punctuation like '":"'.
_FRAGMENT = re.compile(r"\s*\w+|\s*[^\w\s]+|\s+")


@dataclass(frozen=True, slots=True)
class ToolCall:
    """One tool call the model made: ``arguments`` is JSON text, ``args`` its decoded value."""

    id: str
    name: str
    arguments: str

    @property
    def args(self) -> Any:
        return json.loads(self.arguments)

    def to_dict(self) -> dict[str, Any]:
        """The call as it appears in an OpenAI assistant message."""
        return {"id": self.id, "type": "function",
                "function": {"name": self.name, "arguments": self.arguments}}


@dataclass(frozen=True, slots=True)
class ToolCallDelta:
    """One streamed piece of a tool call, as OpenAI streams them.

    The first piece of call ``index`` carries its ``id`` and ``name`` (and ``arguments == ""``);
    the following pieces carry only argument fragments. Concatenating a call's fragments gives
    its arguments.
    """

    index: int
    id: str | None
    name: str | None
    arguments: str


@dataclass(frozen=True)
class Completion:
    """One finished answer. ``latency`` is measured in course seconds, queueing included.

    ``tool_calls`` is non-empty when the model called tools (``finish_reason == "tool_calls"``;
    ``text`` is then usually ``""``). ``parsed`` is the decoded JSON content when a
    ``response_format`` asked for JSON. ``message`` is the assistant turn to append to the
    conversation before the next call.
    """

    text: str
    model: str
    prompt_tokens: int
    completion_tokens: int
    request_id: str
    latency: float
    finish_reason: str = "stop"
    tool_calls: tuple[ToolCall, ...] = ()
    parsed: Any = None

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    @property
    def message(self) -> dict[str, Any]:
        out: dict[str, Any] = {"role": "assistant", "content": self.text or None}
        if self.tool_calls:
            out["tool_calls"] = [c.to_dict() for c in self.tool_calls]
        elif out["content"] is None:
            out["content"] = ""
        return out

    def __str__(self) -> str:
        return self.text


@dataclass(slots=True)  # not frozen: frozen dataclasses cost microseconds per call at 10k calls
class CallPlan:
    """Everything about one call decided up front from the seed: what, how long, how it ends."""

    request_id: str
    call_index: int
    model: str
    answer: Answer | FixedAnswer | _LazyAnswer
    prompt_tokens: int
    ttft: float
    per_token: float
    outcome: str
    hang_seconds: float
    tool_calls: tuple[ToolCall, ...] = ()
    tool_fragments: tuple[tuple[str, ...], ...] = ()
    json_output: bool = False
    tool_finish: str = "tool_calls"

    @property
    def completion_tokens(self) -> int:
        if not self.tool_calls:
            return self.answer.count
        return self.answer.count + sum(1 + len(f) for f in self.tool_fragments)

    @property
    def tokens(self) -> tuple[str, ...]:
        """The content tokens (built on first read, which is after the wait)."""
        return self.answer.tokens

    @property
    def text(self) -> str:
        return self.answer.text

    @property
    def parsed(self) -> Any:
        if not self.json_output:
            return None
        try:
            return json.loads(self.text)
        except ValueError:  # cut by max_tokens or stop: not JSON any more
            return None

    @property
    def finish_reason(self) -> str:
        return self.tool_finish if self.tool_calls else self.answer.finish_reason

    @property
    def pieces(self) -> tuple[str | ToolCallDelta, ...]:
        """What a stream delivers, one per completion token, in order."""
        if not self.tool_calls:
            return self.answer.tokens
        out: list[str | ToolCallDelta] = list(self.answer.tokens)
        for index, (call, fragments) in enumerate(zip(self.tool_calls, self.tool_fragments)):
            out.append(ToolCallDelta(index, call.id, call.name, ""))
            out.extend(ToolCallDelta(index, None, None, f) for f in fragments)
        return tuple(out)

    @property
    def duration(self) -> float:
        """Course seconds from request to last token: ``ttft`` + ``per_token`` per further token."""
        return self.ttft + self.per_token * max(self.completion_tokens - 1, 0)


def prompt_token_count(messages: list[dict[str, Any]]) -> int:
    """Tokens a chat request is charged for: each message's content plus 3 for its framing
    (and the name and arguments of any tool calls it carries)."""
    total = 0
    for m in messages:
        total += count_tokens(m["content"]) + 3
        calls = m.get("tool_calls")
        if calls:
            for c in calls:
                fn = c["function"]
                total += count_tokens(fn["name"]) + count_tokens(fn["arguments"]) + 3
    return total


def check_max_tokens(max_tokens: object) -> None:
    """Refuse a ``max_tokens`` that is not a positive integer (``True`` is not a count)."""
    if max_tokens is not None and (isinstance(max_tokens, bool) or not isinstance(max_tokens, int)
                                   or max_tokens < 1):
        raise BadRequestError(f"max_tokens must be a positive integer, got {max_tokens!r}",
                              param="max_tokens")


def check_seed(seed: object) -> None:
    """Refuse a request ``seed`` outside int64, as the real API does (the server refuses it
    earlier, with OpenAI's exact message, in :func:`course_utils.openai_params.check_seed`)."""
    low, high = INT64
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or not low <= seed <= high):
        raise BadRequestError(f"Invalid 'seed': expected an integer in int64's range, got {seed!r}.",
                              param="seed")


def record_failure(usage: Metrics, error: BaseException, latency: float, prompt_tokens: int = 0,
                   completion_tokens: int = 0) -> None:
    """Count a failed call in ``usage`` and mark it on the active timeline (any client)."""
    kind = failure_kind(error)
    usage.record(latency, error=kind, prompt_tokens=prompt_tokens, completion_tokens=completion_tokens)
    tracing.mark("429" if kind == "rate_limit" else "error", str(error))


def _content(content: Any, where: str, role: str, has_calls: bool) -> str:
    if isinstance(content, str):
        return content
    if content is None and (role == "assistant" or has_calls):
        return ""  # an assistant turn that only called tools
    if isinstance(content, list):
        texts = []
        for j, part in enumerate(content):
            if isinstance(part, str):
                texts.append(part)
            elif (isinstance(part, Mapping) and part.get("type") in _TEXT_PARTS
                  and isinstance(part.get("text"), str)):
                texts.append(part["text"])
            elif isinstance(part, Mapping) and part.get("type") == "refusal":
                texts.append(str(part.get("refusal") or ""))
            else:
                raise BadRequestError(f"{where}.content[{j}] must be a text part "
                                      "{'type': 'text', 'text': ...}", param=f"{where}.content")
        return "\n".join(texts)
    raise BadRequestError(f"{where}.content must be a string or a list of text parts, "
                          f"got {type(content).__name__}", param=f"{where}.content")


def _tool_calls(raw: Any, where: str) -> list[dict[str, Any]]:
    if not isinstance(raw, list):
        raise BadRequestError(f"{where}.tool_calls must be a list", param=f"{where}.tool_calls")
    out = []
    for k, tc in enumerate(raw):
        fn = tc.get("function") if isinstance(tc, Mapping) else None
        if not (isinstance(fn, Mapping) and isinstance(fn.get("name"), str)
                and isinstance(tc.get("id"), str)):
            raise BadRequestError(f"{where}.tool_calls[{k}] must be {{'id', 'type': 'function', "
                                  "'function': {'name', 'arguments'}}", param=f"{where}.tool_calls[{k}]")
        arguments = fn.get("arguments")
        out.append({"id": tc["id"], "type": "function",
                    "function": {"name": fn["name"],
                                 "arguments": arguments if isinstance(arguments, str) else "{}"}})
    return out


def normalize_messages(prompt: Prompt, system: str | None = None) -> list[dict[str, Any]]:
    """Turn a prompt string or chat messages into a checked list of ``{role, content}`` dicts.

    Contents become strings (text parts joined); assistant ``tool_calls`` and a tool message's
    ``tool_call_id`` are kept.
    """
    if isinstance(prompt, str):
        messages: list[dict[str, Any]] = [{"role": "user", "content": prompt}]
    elif isinstance(prompt, (list, tuple)) or (isinstance(prompt, Sequence)
                                                and not isinstance(prompt, (bytes, bytearray))):
        messages = []
        for i, m in enumerate(prompt):
            where = f"messages[{i}]"
            if not isinstance(m, Mapping):
                raise BadRequestError(f"{where} must be a dict with 'role' and 'content', got "
                                      f"{type(m).__name__}", param=where)
            role = m.get("role")
            if role not in _ROLES:
                raise BadRequestError(f"{where}.role must be one of {sorted(_ROLES)}, got {role!r}",
                                      param=f"{where}.role")
            raw_calls = m.get("tool_calls") if role == "assistant" else None
            out: dict[str, Any] = {"role": role,
                                   "content": _content(m.get("content"), where, role, bool(raw_calls))}
            if raw_calls:
                out["tool_calls"] = _tool_calls(raw_calls, where)
            if role == "tool":
                out["tool_call_id"] = str(m.get("tool_call_id") or "")
            messages.append(out)
        if not messages:
            raise BadRequestError("messages must not be empty", param="messages")
    else:
        raise BadRequestError(f"prompt must be a string or a list of messages, got {type(prompt).__name__}")
    if system is not None:
        messages.insert(0, {"role": "system", "content": system})
    return messages


def read_response_format(response_format: Any) -> tuple[str, Any] | None:
    """``None`` (plain text), ``("json_object", None)`` or ``("json_schema", schema)``.

    Accepts Chat's shape and the Responses API's flat ``text.format`` shape.
    """
    if response_format is None:
        return None
    if isinstance(response_format, Mapping):
        kind = response_format.get("type")
        if kind == "text":
            return None
        if kind == "json_object":
            return ("json_object", None)
        if kind == "json_schema":
            spec = response_format.get("json_schema", response_format)
            schema = spec.get("schema") if isinstance(spec, Mapping) else None
            if isinstance(schema, Mapping):
                return ("json_schema", schema)
    raise BadRequestError("response_format must be {'type': 'text'}, {'type': 'json_object'} or "
                          "{'type': 'json_schema', 'json_schema': {'name': ..., 'schema': {...}}}",
                          param="response_format")


def read_stop(stop: Any) -> tuple[str, ...]:
    if stop is None:
        return ()
    if isinstance(stop, str):
        return (stop,) if stop else ()
    if isinstance(stop, (list, tuple)) and all(isinstance(s, str) for s in stop) and len(stop) <= 4:
        return tuple(s for s in stop if s)
    raise BadRequestError("stop must be a string or a list of up to 4 strings", param="stop")


def _tools(tools: Sequence[Any]) -> tuple[list[Any], int]:
    """The tools read, and the prompt tokens their definitions cost (as with real providers).

    Agents send the same tools with every request: the work is cached on their JSON text.
    """
    try:
        key = json.dumps(tools, separators=(",", ":"))
    except (TypeError, ValueError):  # not JSON at all: let tool_specs say what is wrong
        key = None
    if key is None:
        return _read_tools(tools)
    specs, tokens = _tools_by_json(key)
    return list(specs), tokens


@lru_cache(maxsize=256)
def _tools_by_json(key: str) -> tuple[tuple[Any, ...], int]:
    specs, tokens = _read_tools(json.loads(key))
    return tuple(specs), tokens


def _read_tools(tools: Any) -> tuple[list[Any], int]:
    from .toolpolicy import tool_specs

    specs = tool_specs(tools)
    return specs, sum(count_tokens(t.name) + count_tokens(t.description)
                      + count_tokens(json.dumps(t.parameters)) + 3 for t in specs)


@lru_cache(maxsize=256)
def _latency_base(seed: int, model: str) -> int:
    return stable_int("latency", seed, model)


def _call_id(seed: int, index: int, k: int) -> str:
    """``call_`` + 24 alphanumerics, the real API's format, from the seed and the call."""
    n = int.from_bytes(hashlib.blake2b(f"call {seed} {index} {k}".encode(), digest_size=18).digest(), "big")
    out = []
    for _ in range(24):
        n, r = divmod(n, 62)
        out.append(_ALNUM[r])
    return "call_" + "".join(out)


class LLMEngine:
    """The shared brain of both clients and of the HTTP server: plans calls, keeps the buckets.

    Not tied to any event loop, so one engine may serve several clients in one process.
    ``script`` scripts given turns (:mod:`course_utils.scripting`).
    """

    def __init__(self, *, model: str | None = None, seed: int | None = None,
                 faults: FaultPlan | None = None, rate_limits: RateLimits | None = None,
                 script: Sequence[Turn] | None = None) -> None:
        cfg = settings()
        # COURSE_MODEL may name a real provider's model; the simulator then uses its default.
        configured = cfg.model if cfg.model in PRESETS else DEFAULT_MODEL
        self.default_model = model or configured
        get_preset(self.default_model)  # fail now, with the list of known models
        self.seed = cfg.seed if seed is None else seed
        self.faults = faults or FaultPlan()
        self.rate_limits = rate_limits
        if script is not None:
            from .scripting import check_script

            self.script = check_script(script)
        else:
            self.script = ()
        self.usage = Metrics()
        self._calls = 0

    def preset(self, model: str | None) -> ModelPreset:
        return get_preset(model or self.default_model)

    def plan(self, prompt: Prompt, *, system: str | None = None, model: str | None = None,
             max_tokens: int | None = None, tools: Sequence[Any] | None = None,
             tool_choice: Any = None, parallel_tool_calls: bool | None = None,
             response_format: Any = None, stop: Any = None, seed: int | None = None) -> CallPlan:
        """Decide one call. Raises :class:`RateLimitError` (taking nothing) if a bucket is short,
        :class:`BadRequestError` if the request is wrong or can never fit the limits. ``seed``
        (OpenAI's request ``seed``) picks another, equally reproducible answer to the same
        request; without it the answer depends on the engine's seed alone."""
        if (type(prompt) is str and system is None and tools is None and tool_choice is None
                and response_format is None and stop is None and seed is None and not self.script):
            return self._plan_text(prompt, model, max_tokens)
        preset = self.preset(model)
        messages = normalize_messages(prompt, system)
        check_max_tokens(max_tokens)
        specs, tool_tokens = _tools(tools) if tools else ([], 0)
        if tool_choice is not None and not specs:
            raise BadRequestError("Invalid value for 'tool_choice': 'tool_choice' is only allowed "
                                  "when 'tools' are specified.", param="tool_choice")
        if specs:
            from .toolpolicy import read_tool_choice

            choice = read_tool_choice(tool_choice, specs)
        else:
            choice = None
        fmt = read_response_format(response_format)
        stops = read_stop(stop)
        check_seed(seed)
        answer_seed = self.seed if seed is None else stable_int("request seed", self.seed, seed)
        prompt_tokens = prompt_token_count(messages)
        prompt_tokens += tool_tokens
        if fmt is not None and fmt[1] is not None:
            prompt_tokens += count_tokens(json.dumps(fmt[1]))
        if prompt_tokens > preset.context_window:
            raise BadRequestError(f"the prompt has {prompt_tokens} tokens; {preset.name} accepts "
                                  f"at most {preset.context_window}", param="messages",
                                  code="context_length_exceeded")
        index = self._calls
        self._calls += 1
        request_id = f"req_{self.seed:x}_{index:06d}"
        cap = min(max_tokens or preset.max_tokens, preset.max_tokens)
        if self.rate_limits is not None:
            self._admit(preset, prompt_tokens, cap, index)
        turn = None
        if self.script:
            turn_index = sum(1 for m in messages if m["role"] == "assistant")
            turn = self.script[turn_index] if turn_index < len(self.script) else None
        factor = 1.0 + preset.jitter * (2.0 * mix_unit(_latency_base(self.seed, preset.name), index) - 1.0)
        plan = CallPlan(
            request_id=request_id, call_index=index, model=preset.name, answer=None,  # type: ignore[arg-type]
            prompt_tokens=prompt_tokens,
            ttft=(preset.ttft + preset.ttft_per_prompt_token * prompt_tokens) * factor,
            per_token=preset.per_token * factor, outcome=self.faults.next_outcome(self.seed, index),
            hang_seconds=self.faults.hang_seconds)
        if (turn is None and choice is None and fmt is None and not stops
                and (len(messages) == 1 or all(m["role"] != "tool" for m in messages))):
            # The plain path (every lesson before agents): text from the prompt, built lazily.
            source = "\n".join(m["content"] for m in messages if m["role"] != "assistant")
            plan.answer = generate(source, seed=answer_seed, model=preset.name,
                                   typical_tokens=preset.typical_tokens, max_tokens=cap)
            return plan
        self._decide(plan, messages, specs, choice, parallel_tool_calls, fmt, stops, cap, turn, preset,
                     answer_seed)
        if turn is not None and turn.latency is not None:
            n = plan.completion_tokens
            plan.ttft = turn.latency if n <= 1 else turn.latency / 2
            plan.per_token = 0.0 if n <= 1 else (turn.latency / 2) / (n - 1)
        return plan

    def _plan_text(self, prompt: str, model: str | None, max_tokens: int | None) -> CallPlan:
        """``plan()`` for a bare prompt string: the lessons' hot path, kept lean (the gather
        benchmark plans 1,000 calls before the last one starts its wait)."""
        preset = PRESETS.get(model or self.default_model) or get_preset(model or self.default_model)
        if max_tokens is not None:
            check_max_tokens(max_tokens)
        prompt_tokens = count_tokens(prompt) + 3
        if prompt_tokens > preset.context_window:
            raise BadRequestError(f"the prompt has {prompt_tokens} tokens; {preset.name} accepts "
                                  f"at most {preset.context_window}", param="messages",
                                  code="context_length_exceeded")
        index = self._calls
        self._calls = index + 1
        cap = min(max_tokens or preset.max_tokens, preset.max_tokens)
        if self.rate_limits is not None:
            self._admit(preset, prompt_tokens, cap, index)
        answer = _LazyAnswer(prompt, self.seed, preset.name, preset.typical_tokens, cap)
        factor = 1.0 + preset.jitter * (2.0 * mix_unit(_latency_base(self.seed, preset.name), index) - 1.0)
        return CallPlan(f"req_{self.seed:x}_{index:06d}", index, preset.name, answer, prompt_tokens,
                        (preset.ttft + preset.ttft_per_prompt_token * prompt_tokens) * factor,
                        preset.per_token * factor, self.faults.next_outcome(self.seed, index),
                        self.faults.hang_seconds)

    def _admit(self, preset: ModelPreset, prompt_tokens: int, cap: int, index: int) -> None:
        """Take from the rate-limit buckets, or raise (taking nothing)."""
        assert self.rate_limits is not None
        refused = self.rate_limits.check(prompt_tokens + cap)
        if refused is None:
            return
        request_id = f"req_{self.seed:x}_{index:06d}"
        limit, wait = refused
        if wait == float("inf"):
            # Waiting cannot help: a retry loop sleeping retry_after would never return.
            capacity = self.rate_limits.tokens.capacity if self.rate_limits.tokens else 0
            raise BadRequestError(
                f"Request too large for {preset.name}: it may use {prompt_tokens + cap} "
                f"tokens ({prompt_tokens} prompt + {cap} max_tokens), more than the "
                f"{capacity:g} tokens per minute the limit allows at all. Lower max_tokens "
                f"or shorten the prompt; retrying will not help.",
                param="max_tokens", code="request_too_large", request_id=request_id)
        raise RateLimitError(
            f"Rate limit reached for {limit} per minute on {preset.name}; retry after {wait:.2f} s",
            retry_after=wait, limit=limit, request_id=request_id)

    def _decide(self, plan: CallPlan, messages: list[dict[str, Any]], specs: list[Any],
                choice: Choice | None, parallel: bool | None, fmt: tuple[str, Any] | None,
                stops: tuple[str, ...], cap: int, turn: Turn, preset: ModelPreset, seed: int) -> None:
        calls: tuple[tuple[str, str], ...] = ()
        text: str | None = None
        results: tuple[tuple[str, str], ...] = ()
        hints: Hints | None = None
        from .schema_instances import hints_for, instance
        from .scripting import Reply, ToolCalls
        from .toolpolicy import decide, dumps, prose_from_results, read_conversation

        if isinstance(turn, ToolCalls):
            calls = tuple((c.name, c.arguments) for c in turn.calls)
        elif isinstance(turn, Reply):
            text = turn.text
        elif choice is not None and choice.mode != "none" and specs:
            decision = decide(messages, specs, choice, parallel=parallel is not False, seed=seed)
            calls = tuple((name, dumps(args)) for name, args in decision.calls)
            results, hints = decision.results, decision.hints
        else:
            conv = read_conversation(messages)
            results = conv.results
            hints = hints_for(conv.user_text)
        if calls:
            self._plan_calls(plan, calls, cap)
            plan.answer = FixedAnswer((), "stop")
            return
        if text is None and results:
            text = prose_from_results(results)
        if fmt is not None and isinstance(turn, Reply):
            plan.json_output = True  # a scripted reply is sent as written; parsed if it is JSON
        elif fmt is not None:
            if hints is None:
                hints = hints_for(read_conversation(messages).user_text)
            if results:
                hints = hints.merged(hints_for(" ".join(t for _, t in results)))
            if fmt[0] == "json_schema":
                value = instance(fmt[1], hints, seed=seed)
            else:
                if text is None:
                    text = self._prose(messages, cap, preset, seed).text
                value = {"answer": text}
            text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
            plan.json_output = True
        answer: Answer | FixedAnswer | _LazyAnswer
        if text is None:
            answer = self._prose(messages, cap, preset, seed)
        else:
            # JSON is tokenized like tool arguments: a word or a run of punctuation per token.
            answer = FixedAnswer.of(text, cap, _FRAGMENT.findall if plan.json_output else None)
        if stops:
            answer = cut_at_stop(answer, stops)
        plan.answer = answer

    def _prose(self, messages: list[dict[str, Any]], cap: int, preset: ModelPreset, seed: int) -> Answer:
        source = "\n".join(m["content"] for m in messages if m["role"] not in ("assistant", "tool"))
        return generate(source, seed=seed, model=preset.name,
                        typical_tokens=preset.typical_tokens, max_tokens=cap)

    def _plan_calls(self, plan: CallPlan, calls: tuple[tuple[str, str], ...], cap: int) -> None:
        made: list[ToolCall] = []
        fragments: list[tuple[str, ...]] = []
        budget = cap
        for k, (name, arguments) in enumerate(calls):
            if budget <= 0:
                break
            pieces = tuple(_FRAGMENT.findall(arguments))
            budget -= 1
            if len(pieces) > budget:  # max_tokens ran out inside the arguments, as it can for real
                pieces = pieces[:max(budget, 0)]
                plan.tool_finish = "length"
                arguments = "".join(pieces)
            budget -= len(pieces)
            made.append(ToolCall(_call_id(self.seed, plan.call_index, k), name, arguments))
            fragments.append(pieces)
        if len(made) < len(calls):
            plan.tool_finish = "length"
        plan.tool_calls = tuple(made)
        plan.tool_fragments = tuple(fragments)

    def failure_for(self, plan: CallPlan, tokens_sent: int = 0) -> LLMError:
        """The exception a planned failure raises."""
        return failure_for(plan, tokens_sent)

    def record_failure(self, error: LLMError, latency: float, prompt_tokens: int = 0,
                       completion_tokens: int = 0) -> None:
        record_failure(self.usage, error, latency, prompt_tokens, completion_tokens)

    def completion(self, plan: CallPlan, latency: float, tokens: int | None = None) -> Completion:
        """Record a finished call and build its :class:`Completion`."""
        n = plan.completion_tokens if tokens is None else tokens
        self.usage.record(latency, prompt_tokens=plan.prompt_tokens, completion_tokens=n)
        return Completion(text=plan.text, model=plan.model, prompt_tokens=plan.prompt_tokens,
                          completion_tokens=n, request_id=plan.request_id, latency=latency,
                          finish_reason=plan.finish_reason, tool_calls=plan.tool_calls,
                          parsed=plan.parsed)


def failure_for(plan: CallPlan, tokens_sent: int = 0) -> LLMError:
    """The exception a planned failure (``plan.outcome``) raises."""
    if plan.outcome == "rate_limit":
        return RateLimitError(f"Rate limit reached for requests on {plan.model}; retry after "
                              f"{SCRIPTED_RETRY_AFTER:.2f} s", retry_after=SCRIPTED_RETRY_AFTER,
                              request_id=plan.request_id)
    if plan.outcome == "overloaded":
        return ServerError("The model is overloaded; try again shortly (503)", status_code=503,
                           request_id=plan.request_id)
    if plan.outcome == "cut":
        return StreamInterrupted(f"Connection lost after {tokens_sent} tokens",
                                 tokens_received=tokens_sent, request_id=plan.request_id)
    return ServerError("The server had an error while processing your request (500)",
                       request_id=plan.request_id)


class _LazyAnswer:
    """The plain-text answer, composed on first use (see :class:`outcomes.Steps`)."""

    __slots__ = ("_args", "_answer")

    def __init__(self, *args: Any) -> None:
        self._args = args
        self._answer: Answer | None = None

    def _get(self) -> Answer:
        if self._answer is None:
            prompt, seed, model, typical, cap = self._args
            self._answer = generate(prompt, seed=seed, model=model, typical_tokens=typical,
                                    max_tokens=cap)
        return self._answer

    @property
    def count(self) -> int:
        return self._get().count

    @property
    def tokens(self) -> tuple[str, ...]:
        return self._get().tokens

    @property
    def text(self) -> str:
        return self._get().text

    @property
    def finish_reason(self) -> str:
        return self._get().finish_reason


class _ClientBase:
    def __init__(self, model: str | None = None, *, seed: int | None = None,
                 faults: FaultPlan | None = None, rate_limits: RateLimits | None = None,
                 script: Sequence[Turn] | None = None, engine: LLMEngine | None = None) -> None:
        self.engine = engine or LLMEngine(model=model, seed=seed, faults=faults,
                                          rate_limits=rate_limits, script=script)

    @property
    def model(self) -> str:
        return self.engine.default_model

    @property
    def seed(self) -> int:
        return self.engine.seed

    @property
    def usage(self) -> Metrics:
        """Calls, tokens, failures by kind and latency min/median/max for this client."""
        return self.engine.usage

    def _steps(self, prompt: Prompt, options: dict[str, Any]) -> tuple[CallPlan | None, outcomes.Steps]:
        try:
            plan = self.engine.plan(prompt, **options)
        except LLMError as error:
            return None, outcomes.refusal(error)
        return plan, outcomes.steps_for(self.engine, plan)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(model={self.model!r}, seed={self.seed})"


def _options(system: str | None, model: str | None, max_tokens: int | None,
             extra: dict[str, Any]) -> dict[str, Any]:
    options: dict[str, Any] = {"system": system, "model": model, "max_tokens": max_tokens}
    for key, value in extra.items():
        if key not in _PLAN_OPTIONS:
            raise TypeError(f"unexpected keyword argument {key!r}; the simulator accepts "
                            f"{', '.join(sorted(_PLAN_OPTIONS))}")
        options[key] = value
    return options


_PLAN_OPTIONS = frozenset({"tools", "tool_choice", "parallel_tool_calls", "response_format", "stop", "seed"})


class SimulatedLLM(_ClientBase):
    """An async LLM client that needs no key and no network.

    ``complete``/``stream`` take a prompt string or chat messages, plus ``system``, ``model``,
    ``max_tokens`` and the agent options ``tools``, ``tool_choice``, ``parallel_tool_calls``,
    ``response_format`` and ``stop`` (see the module docstring). ``script`` scripts turns.
    ``async with SimulatedLLM() as llm:`` works like the real client's (closing is a no-op).

    ``blocking=True`` makes it misbehave on purpose: it waits with ``time.sleep`` inside
    ``async def``, freezing the event loop, which lesson 11 catches with the lag monitor.
    """

    def __init__(self, model: str | None = None, *, seed: int | None = None,
                 faults: FaultPlan | None = None, rate_limits: RateLimits | None = None,
                 blocking: bool = False, script: Sequence[Turn] | None = None,
                 engine: LLMEngine | None = None) -> None:
        super().__init__(model, seed=seed, faults=faults, rate_limits=rate_limits, script=script,
                         engine=engine)
        self.blocking = blocking

    async def _wait(self, seconds: float) -> None:
        if seconds <= 0:
            return
        if self.blocking:
            clock.sleep_blocking(seconds)  # the bug on purpose: the loop cannot run anything else
        else:
            await clock.sleep(seconds)

    async def complete(self, prompt: Prompt, *, system: str | None = None, model: str | None = None,
                       max_tokens: int | None = None, **agent_options: Any) -> Completion:
        """Answer a prompt (a string or chat messages) in one piece."""
        start = clock.now()
        if agent_options or system is not None:
            plan, steps = self._steps(prompt, _options(system, model, max_tokens, agent_options))
        else:
            plan, steps = self._steps(prompt, {"model": model, "max_tokens": max_tokens})
        try:
            await self._wait(steps.first)
            # To the planned end, not `rest` more: a late first wake-up must not add up.
            await self._wait(start + steps.total - clock.now())
        except asyncio.CancelledError:
            # A cancelled call still cost its prompt: hedged requests and timeouts show up in usage.
            outcomes.abandon(self.engine, plan, clock.now() - start, 0)
            raise
        return outcomes.settle(self.engine, plan, steps, clock.now() - start)

    def stream(self, prompt: Prompt, *, system: str | None = None, model: str | None = None,
               max_tokens: int | None = None, **agent_options: Any) -> "TokenStream":
        """Answer token by token: ``async for token in llm.stream(prompt): ...``.

        Iterating yields content tokens; ``stream.events()`` yields tool-call deltas too.
        """
        return TokenStream(self, prompt, **_options(system, model, max_tokens, agent_options))

    async def aclose(self) -> None:
        """Nothing to release (no connections); here so code can treat every client alike."""

    async def __aenter__(self) -> "SimulatedLLM":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


class TokenStream:
    """An async iterator of tokens that also remembers what it produced.

    After the stream ends, ``completion`` holds the whole answer with its usage; ``ttft`` is the
    measured time to first token. ``await stream.aclose()`` (or ``async with``) stops it early;
    a stream stopped early is recorded in ``usage`` as ``cancelled``. ``tool_call_deltas`` lists
    the tool-call pieces received so far; ``events()`` iterates over content tokens (``str``)
    and :class:`ToolCallDelta` pieces alike.
    """

    def __init__(self, client: Any, prompt: Prompt, **options: object) -> None:
        self._client = client
        self._prompt = prompt
        self._options = options
        self._gen: AsyncIterator[str | ToolCallDelta] | None = None
        self.tokens: list[str] = []
        self.tool_call_deltas: list[ToolCallDelta] = []
        self.ttft: float | None = None
        self.completion: Completion | None = None
        self.request_id: str | None = None

    @property
    def text(self) -> str:
        return "".join(self.tokens).strip()

    def __aiter__(self) -> "TokenStream":
        return self

    async def __anext__(self) -> str:
        if self._gen is None:
            self._gen = self._run()
        while True:
            piece = await self._gen.__anext__()
            if isinstance(piece, str):
                return piece

    async def events(self) -> AsyncIterator[str | ToolCallDelta]:
        """Every piece as it arrives: content tokens and tool-call deltas."""
        if self._gen is None:
            self._gen = self._run()
        async for piece in self._gen:
            yield piece

    async def aclose(self) -> None:
        if self._gen is not None:
            await self._gen.aclose()  # type: ignore[attr-defined]

    async def __aenter__(self) -> "TokenStream":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def collect(self) -> Completion:
        """Drain the stream and return the completion (handy in tests)."""
        async for _ in self.events():
            pass
        assert self.completion is not None
        return self.completion

    def _received(self, piece: str | ToolCallDelta, start: float) -> None:
        if self.ttft is None:
            self.ttft = clock.now() - start
        if isinstance(piece, str):
            self.tokens.append(piece)
        else:
            self.tool_call_deltas.append(piece)

    async def _run(self) -> AsyncIterator[str | ToolCallDelta]:
        client, engine = self._client, self._client.engine
        start = clock.now()
        plan, steps = client._steps(self._prompt, self._options)
        self.request_id = plan.request_id if plan is not None else None
        delivered = 0
        try:
            await client._wait(steps.first)
            pieces = plan.pieces if (plan is not None and steps.emit) else ()
            for i in range(steps.emit):
                if i:
                    await client._wait(steps.gap)
                piece = pieces[i]
                self._received(piece, start)
                delivered += 1
                yield piece
            await client._wait(steps.tail)
        except (asyncio.CancelledError, GeneratorExit):
            outcomes.abandon(engine, plan, clock.now() - start, delivered)
            raise
        self.completion = outcomes.settle(engine, plan, steps, clock.now() - start)


class SimulatedLLMSync(_ClientBase):
    """The blocking twin of :class:`SimulatedLLM`: same answers, same latencies, ``time.sleep``.

    ``with SimulatedLLMSync() as llm:`` works like the real client's (closing is a no-op).
    """

    def complete(self, prompt: Prompt, *, system: str | None = None, model: str | None = None,
                 max_tokens: int | None = None, **agent_options: Any) -> Completion:
        with tracing.span("complete"):  # a timeline row for blocking calls (lesson 02)
            start = clock.now()
            plan, steps = self._steps(prompt, _options(system, model, max_tokens, agent_options))
            try:
                clock.sleep_blocking(steps.first)
                clock.sleep_blocking(start + steps.total - clock.now())
            except BaseException:  # Ctrl+C in a notebook: the call was abandoned
                outcomes.abandon(self.engine, plan, clock.now() - start, 0)
                raise
            return outcomes.settle(self.engine, plan, steps, clock.now() - start)

    def stream(self, prompt: Prompt, *, system: str | None = None, model: str | None = None,
               max_tokens: int | None = None, **agent_options: Any) -> Iterator[str]:
        """Yield content tokens one by one, sleeping between them (blocking)."""
        pieces = self.events(prompt, system=system, model=model, max_tokens=max_tokens, **agent_options)
        try:
            for piece in pieces:
                if isinstance(piece, str):
                    yield piece
        finally:
            pieces.close()  # stopping early records the call as cancelled, now

    def events(self, prompt: Prompt, *, system: str | None = None, model: str | None = None,
               max_tokens: int | None = None, **agent_options: Any) -> Iterator[str | ToolCallDelta]:
        """Yield every piece (content tokens and :class:`ToolCallDelta`), blocking in between;
        the generator's return value (``StopIteration.value``) is the :class:`Completion`."""
        start = clock.now()
        plan, steps = self._steps(prompt, _options(system, model, max_tokens, agent_options))
        delivered = 0
        try:
            clock.sleep_blocking(steps.first)
            pieces = plan.pieces if (plan is not None and steps.emit) else ()
            for i in range(steps.emit):
                if i:
                    clock.sleep_blocking(steps.gap)
                delivered += 1
                yield pieces[i]
            clock.sleep_blocking(steps.tail)
        except BaseException:  # GeneratorExit (closed early) or Ctrl+C
            outcomes.abandon(self.engine, plan, clock.now() - start, delivered)
            raise
        return outcomes.settle(self.engine, plan, steps, clock.now() - start)

    def close(self) -> None:
        """Nothing to release; here so code can treat every client alike."""

    def __enter__(self) -> "SimulatedLLMSync":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
