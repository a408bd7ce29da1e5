"""The simulated LLM: an async client and its blocking twin (introduced in lesson 01).

>>> llm = SimulatedLLM()                      # the course's default model, seed and time scale
>>> answer = await llm.complete("Summarize: asyncio lets one thread wait for many things.")
>>> async for token in llm.stream("Tell me about event loops"):
...     print(token, end="")

Both clients share one engine, so for the same seed and the same sequence of calls they give the
same texts, the same latencies (before the event loop's own noise) and the same failures. Nothing
touches the network; latencies are course seconds scaled by ``COURSE_TIME_SCALE``.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any, AsyncIterator, Iterator, Mapping, Sequence, Union

from . import clock, tracing
from .config import DEFAULT_MODEL, settings
from .faults import (SCRIPTED_RETRY_AFTER, BadRequestError, FaultPlan, LLMError, RateLimitError,
                     ServerError, StreamInterrupted, failure_kind)
from .metrics import Metrics
from .presets import PRESETS, ModelPreset, get_preset
from .ratelimit import RateLimits
from .seeding import stable_unit
from .textgen import Answer, count_tokens, generate

Message = Mapping[str, str]
Prompt = Union[str, Sequence[Message]]

#: How long a refused or failed request takes to come back (a network round trip).
ERROR_LATENCY = 0.05
_ROLES = frozenset({"system", "user", "assistant", "tool", "developer"})


@dataclass(frozen=True)
class Completion:
    """One finished answer. ``latency`` is measured in course seconds, queueing included."""

    text: str
    model: str
    prompt_tokens: int
    completion_tokens: int
    request_id: str
    latency: float
    finish_reason: str = "stop"

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def __str__(self) -> str:
        return self.text


@dataclass(slots=True)  # not frozen: frozen dataclasses cost microseconds per call at 10k calls
class CallPlan:
    """Everything about one call decided up front from the seed: what, how long, how it ends."""

    request_id: str
    call_index: int
    model: str
    answer: Answer
    prompt_tokens: int
    ttft: float
    per_token: float
    outcome: str
    hang_seconds: float

    @property
    def completion_tokens(self) -> int:
        return self.answer.count

    @property
    def tokens(self) -> tuple[str, ...]:
        return self.answer.tokens  # built on first read, which is after the wait

    @property
    def text(self) -> str:
        return self.answer.text

    @property
    def finish_reason(self) -> str:
        return self.answer.finish_reason

    @property
    def duration(self) -> float:
        return self.ttft + self.per_token * self.answer.count


def prompt_token_count(messages: list[dict[str, str]]) -> int:
    """Tokens a chat request is charged for: each message's content plus 3 for its framing."""
    return sum(count_tokens(m["content"]) + 3 for m in messages)


def check_max_tokens(max_tokens: object) -> None:
    """Refuse a ``max_tokens`` that is not a positive integer (``True`` is not a count)."""
    if max_tokens is not None and (isinstance(max_tokens, bool) or not isinstance(max_tokens, int)
                                   or max_tokens < 1):
        raise BadRequestError(f"max_tokens must be a positive integer, got {max_tokens!r}")


def record_failure(usage: Metrics, error: BaseException, latency: float, prompt_tokens: int = 0) -> None:
    """Count a failed call in ``usage`` and mark it on the active timeline (any client)."""
    kind = failure_kind(error)
    usage.record(latency, error=kind, prompt_tokens=prompt_tokens)
    tracing.mark("429" if kind == "rate_limit" else "error", str(error))


def normalize_messages(prompt: Prompt, system: str | None = None) -> list[dict[str, str]]:
    """Turn a prompt string or chat messages into a checked list of ``{role, content}`` dicts."""
    if isinstance(prompt, str):
        messages = [{"role": "user", "content": prompt}]
    elif isinstance(prompt, Sequence) and not isinstance(prompt, (bytes, bytearray)):
        messages = []
        for i, m in enumerate(prompt):
            if not isinstance(m, Mapping):
                raise BadRequestError(f"messages[{i}] must be a dict with 'role' and 'content', got {type(m).__name__}")
            role, content = m.get("role"), m.get("content")
            if role not in _ROLES:
                raise BadRequestError(f"messages[{i}].role must be one of {sorted(_ROLES)}, got {role!r}")
            if not isinstance(content, str):
                raise BadRequestError(f"messages[{i}].content must be a string, got {type(content).__name__}")
            messages.append({"role": role, "content": content})
        if not messages:
            raise BadRequestError("messages must not be empty")
    else:
        raise BadRequestError(f"prompt must be a string or a list of messages, got {type(prompt).__name__}")
    if system is not None:
        messages.insert(0, {"role": "system", "content": system})
    return messages


class LLMEngine:
    """The shared brain of both clients and of the HTTP server: plans calls, keeps the buckets.

    Not tied to any event loop, so one engine may serve several clients in one process.
    """

    def __init__(self, *, model: str | None = None, seed: int | None = None,
                 faults: FaultPlan | None = None, rate_limits: RateLimits | None = None) -> None:
        cfg = settings()
        # COURSE_MODEL may name a real provider's model; the simulator then uses its default.
        configured = cfg.model if cfg.model in PRESETS else DEFAULT_MODEL
        self.default_model = model or configured
        get_preset(self.default_model)  # fail now, with the list of known models
        self.seed = cfg.seed if seed is None else seed
        self.faults = faults or FaultPlan()
        self.rate_limits = rate_limits
        self.usage = Metrics()
        self._calls = 0

    def preset(self, model: str | None) -> ModelPreset:
        return get_preset(model or self.default_model)

    def plan(self, prompt: Prompt, *, system: str | None = None, model: str | None = None,
             max_tokens: int | None = None) -> CallPlan:
        """Decide one call. Raises :class:`RateLimitError` (taking nothing) if a bucket is short."""
        preset = self.preset(model)
        messages = normalize_messages(prompt, system)
        check_max_tokens(max_tokens)
        prompt_tokens = prompt_token_count(messages)
        if prompt_tokens > preset.context_window:
            raise BadRequestError(f"the prompt has {prompt_tokens} tokens; {preset.name} accepts "
                                  f"at most {preset.context_window}")
        index = self._calls
        self._calls += 1
        request_id = f"req_{self.seed:x}_{index:06d}"
        cap = min(max_tokens or preset.max_tokens, preset.max_tokens)
        if self.rate_limits is not None:
            refused = self.rate_limits.check(prompt_tokens + cap)
            if refused is not None:
                limit, wait = refused
                raise RateLimitError(
                    f"Rate limit reached for {limit} per minute on {preset.name}; retry after {wait:.2f} s",
                    retry_after=wait, limit=limit, request_id=request_id)
        source = "\n".join(m["content"] for m in messages if m["role"] != "assistant")
        answer = generate(source, seed=self.seed, model=preset.name,
                          typical_tokens=preset.typical_tokens, max_tokens=cap)
        factor = 1.0 + preset.jitter * (2.0 * stable_unit("latency", self.seed, preset.name, index) - 1.0)
        return CallPlan(
            request_id=request_id, call_index=index, model=preset.name, answer=answer,
            prompt_tokens=prompt_tokens,
            ttft=(preset.ttft + preset.ttft_per_prompt_token * prompt_tokens) * factor,
            per_token=preset.per_token * factor, outcome=self.faults.next_outcome(self.seed, index),
            hang_seconds=self.faults.hang_seconds)

    def failure_for(self, plan: CallPlan, tokens_sent: int = 0) -> LLMError:
        """The exception a planned failure raises."""
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

    def record_failure(self, error: LLMError, latency: float, prompt_tokens: int = 0) -> None:
        record_failure(self.usage, error, latency, prompt_tokens)

    def completion(self, plan: CallPlan, latency: float, tokens: int | None = None) -> Completion:
        n = plan.answer.count if tokens is None else tokens
        self.usage.record(latency, prompt_tokens=plan.prompt_tokens, completion_tokens=n)
        return Completion(text=plan.text, model=plan.model, prompt_tokens=plan.prompt_tokens,
                          completion_tokens=n, request_id=plan.request_id, latency=latency,
                          finish_reason=plan.finish_reason)


class _ClientBase:
    def __init__(self, model: str | None = None, *, seed: int | None = None,
                 faults: FaultPlan | None = None, rate_limits: RateLimits | None = None,
                 engine: LLMEngine | None = None) -> None:
        self.engine = engine or LLMEngine(model=model, seed=seed, faults=faults, rate_limits=rate_limits)

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

    def __repr__(self) -> str:
        return f"{type(self).__name__}(model={self.model!r}, seed={self.seed})"


class SimulatedLLM(_ClientBase):
    """An async LLM client that needs no key and no network.

    ``blocking=True`` makes it misbehave on purpose: it waits with ``time.sleep`` inside
    ``async def``, freezing the event loop, which lesson 11 catches with the lag monitor.
    """

    def __init__(self, model: str | None = None, *, seed: int | None = None,
                 faults: FaultPlan | None = None, rate_limits: RateLimits | None = None,
                 blocking: bool = False, engine: LLMEngine | None = None) -> None:
        super().__init__(model, seed=seed, faults=faults, rate_limits=rate_limits, engine=engine)
        self.blocking = blocking

    async def _wait(self, seconds: float) -> None:
        if self.blocking:
            clock.sleep_blocking(seconds)  # the bug on purpose: the loop cannot run anything else
        else:
            await clock.sleep(seconds)

    async def _refuse(self, error: LLMError, start: float) -> LLMError:
        await self._wait(ERROR_LATENCY)
        self.engine.record_failure(error, clock.now() - start)
        return error

    async def complete(self, prompt: Prompt, *, system: str | None = None, model: str | None = None,
                       max_tokens: int | None = None) -> Completion:
        """Answer a prompt (a string or chat messages) in one piece."""
        start = clock.now()
        try:
            plan = self.engine.plan(prompt, system=system, model=model, max_tokens=max_tokens)
        except LLMError as error:
            raise await self._refuse(error, start) from None
        try:
            return await self._answer(plan, start)
        except asyncio.CancelledError:
            # A cancelled call still cost its prompt: hedged requests and timeouts show up in usage.
            self.engine.usage.record(clock.now() - start, error="cancelled",
                                     prompt_tokens=plan.prompt_tokens)
            raise

    async def _answer(self, plan: CallPlan, start: float) -> Completion:
        if plan.outcome == "hang":
            await self._wait(plan.hang_seconds)
        if plan.outcome == "rate_limit":
            raise await self._refuse(self.engine.failure_for(plan), start)
        if plan.outcome in ("error", "overloaded"):
            await self._wait(ERROR_LATENCY + plan.ttft / 2)
            error = self.engine.failure_for(plan)
            self.engine.record_failure(error, clock.now() - start, plan.prompt_tokens)
            raise error
        if plan.outcome == "cut":
            sent = plan.answer.count // 2
            await self._wait(plan.ttft + plan.per_token * sent)
            error = self.engine.failure_for(plan, sent)
            self.engine.record_failure(error, clock.now() - start, plan.prompt_tokens)
            raise error
        await self._wait(plan.duration)
        return self.engine.completion(plan, clock.now() - start)

    def stream(self, prompt: Prompt, *, system: str | None = None, model: str | None = None,
               max_tokens: int | None = None) -> "TokenStream":
        """Answer token by token: ``async for token in llm.stream(prompt): ...``."""
        return TokenStream(self, prompt, system=system, model=model, max_tokens=max_tokens)


class TokenStream:
    """An async iterator of tokens that also remembers what it produced.

    After the stream ends, ``completion`` holds the whole answer with its usage; ``ttft`` is the
    measured time to first token. ``await stream.aclose()`` (or ``async with``) stops it early.
    """

    def __init__(self, client: Any, prompt: Prompt, **options: object) -> None:
        self._client = client
        self._prompt = prompt
        self._options = options
        self._gen: AsyncIterator[str] | None = None
        self.tokens: list[str] = []
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
        return await self._gen.__anext__()

    async def aclose(self) -> None:
        if self._gen is not None:
            await self._gen.aclose()  # type: ignore[attr-defined]

    async def __aenter__(self) -> "TokenStream":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def collect(self) -> Completion:
        """Drain the stream and return the completion (handy in tests)."""
        async for _ in self:
            pass
        assert self.completion is not None
        return self.completion

    async def _run(self) -> AsyncIterator[str]:
        client, engine = self._client, self._client.engine
        start = clock.now()
        try:
            plan = engine.plan(self._prompt, **self._options)  # type: ignore[arg-type]
        except LLMError as error:
            raise await client._refuse(error, start) from None
        self.request_id = plan.request_id
        if plan.outcome == "hang":
            await client._wait(plan.hang_seconds)
        if plan.outcome == "rate_limit":
            raise await client._refuse(engine.failure_for(plan), start)
        if plan.outcome in ("error", "overloaded"):
            await client._wait(ERROR_LATENCY + plan.ttft / 2)
            error = engine.failure_for(plan)
            engine.record_failure(error, clock.now() - start, plan.prompt_tokens)
            raise error
        cut_at = len(plan.tokens) // 2 if plan.outcome == "cut" else None
        await client._wait(plan.ttft)
        for i, token in enumerate(plan.tokens):
            if i == cut_at:
                error = engine.failure_for(plan, i)
                engine.record_failure(error, clock.now() - start, plan.prompt_tokens)
                raise error
            if i:
                await client._wait(plan.per_token)
            if self.ttft is None:
                self.ttft = clock.now() - start
            self.tokens.append(token)
            yield token
        self.completion = engine.completion(plan, clock.now() - start)


class SimulatedLLMSync(_ClientBase):
    """The blocking twin of :class:`SimulatedLLM`: same answers, same latencies, ``time.sleep``."""

    def _refuse(self, error: LLMError, start: float) -> LLMError:
        clock.sleep_blocking(ERROR_LATENCY)
        self.engine.record_failure(error, clock.now() - start)
        return error

    def complete(self, prompt: Prompt, *, system: str | None = None, model: str | None = None,
                 max_tokens: int | None = None) -> Completion:
        with tracing.span("complete"):  # a timeline row for blocking calls (lesson 02)
            return self._complete(prompt, system=system, model=model, max_tokens=max_tokens)

    def _complete(self, prompt: Prompt, *, system: str | None, model: str | None,
                  max_tokens: int | None) -> Completion:
        start = clock.now()
        try:
            plan = self.engine.plan(prompt, system=system, model=model, max_tokens=max_tokens)
        except LLMError as error:
            raise self._refuse(error, start) from None
        if plan.outcome == "hang":
            clock.sleep_blocking(plan.hang_seconds)
        if plan.outcome == "rate_limit":
            raise self._refuse(self.engine.failure_for(plan), start)
        if plan.outcome in ("error", "overloaded", "cut"):
            sent = plan.answer.count // 2 if plan.outcome == "cut" else 0
            clock.sleep_blocking(ERROR_LATENCY + plan.ttft / 2 + plan.per_token * sent)
            error = self.engine.failure_for(plan, sent)
            self.engine.record_failure(error, clock.now() - start, plan.prompt_tokens)
            raise error
        clock.sleep_blocking(plan.duration)
        return self.engine.completion(plan, clock.now() - start)

    def stream(self, prompt: Prompt, *, system: str | None = None, model: str | None = None,
               max_tokens: int | None = None) -> Iterator[str]:
        """Yield tokens one by one, sleeping between them (blocking)."""
        start = clock.now()
        try:
            plan = self.engine.plan(prompt, system=system, model=model, max_tokens=max_tokens)
        except LLMError as error:
            raise self._refuse(error, start) from None
        if plan.outcome == "hang":
            clock.sleep_blocking(plan.hang_seconds)
        if plan.outcome == "rate_limit":
            raise self._refuse(self.engine.failure_for(plan), start)
        if plan.outcome in ("error", "overloaded"):
            clock.sleep_blocking(ERROR_LATENCY + plan.ttft / 2)
            error = self.engine.failure_for(plan)
            self.engine.record_failure(error, clock.now() - start, plan.prompt_tokens)
            raise error
        cut_at = len(plan.tokens) // 2 if plan.outcome == "cut" else None
        clock.sleep_blocking(plan.ttft)
        for i, token in enumerate(plan.tokens):
            if i == cut_at:
                error = self.engine.failure_for(plan, i)
                self.engine.record_failure(error, clock.now() - start, plan.prompt_tokens)
                raise error
            if i:
                clock.sleep_blocking(plan.per_token)
            yield token
        self.engine.completion(plan, clock.now() - start)

