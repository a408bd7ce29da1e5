"""One outcome interpreter: every driver costs the same course time and records the same usage.

Drivers: SimulatedLLM.complete / .stream, SimulatedLLMSync.complete / .stream, and the HTTP
server's ``POST /v1/chat/completions`` plain and streamed (its ASGI app called directly).
Time is a fake course clock, so the costs compare exactly rather than within noise.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from course_utils import clock
from course_utils.faults import (BadRequestError, FaultPlan, LLMError, RateLimitError,
                                 StreamInterrupted)
from course_utils.llm import LLMEngine, SimulatedLLM, SimulatedLLMSync, ToolCallDelta
from course_utils.outcomes import ERROR_LATENCY
from course_utils.ratelimit import RateLimits
from course_utils.server import create_app

SEED = 11
TOOLS = [{"type": "function", "function": {
    "name": "get_weather", "description": "Current weather for a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}]
KINDS = {
    "text": ([{"role": "user", "content": "Summarize: event loops wait for many things at once."}], {}),
    "tool": ([{"role": "user", "content": "What is the weather in Oslo and Lima?"}], {"tools": TOOLS}),
}
OUTCOMES = ["ok", "rate_limit", "error", "overloaded", "hang", "cut"]


class FakeClock:
    """Course time that moves only when a driver sleeps."""

    def __init__(self) -> None:
        self.t = 1000.0

    def now(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        self.t += max(0.0, seconds)
        for _ in range(3):  # let watchers and other tasks see the new state
            await asyncio.sleep(0)

    def sleep_blocking(self, seconds: float) -> None:
        self.t += max(0.0, seconds)


@pytest.fixture
def fake_clock(monkeypatch) -> FakeClock:
    fake = FakeClock()
    monkeypatch.setattr(clock, "now", fake.now)
    monkeypatch.setattr(clock, "sleep", fake.sleep)
    monkeypatch.setattr(clock, "sleep_blocking", fake.sleep_blocking)
    return fake


def _engine(outcome: str, **kwargs: Any) -> LLMEngine:
    return LLMEngine(seed=SEED, faults=FaultPlan(script=[outcome], hang_seconds=30.0), **kwargs)


# ----------------------------------------------------------------------------- drivers


async def async_complete(engine: LLMEngine, messages, options) -> None:
    with pytest.raises(LLMError) if _fails(engine) else _nothing():
        await SimulatedLLM(engine=engine).complete(messages, **options)


async def async_stream(engine: LLMEngine, messages, options) -> None:
    with pytest.raises(LLMError) if _fails(engine) else _nothing():
        await SimulatedLLM(engine=engine).stream(messages, **options).collect()


async def sync_complete(engine: LLMEngine, messages, options) -> None:
    with pytest.raises(LLMError) if _fails(engine) else _nothing():
        SimulatedLLMSync(engine=engine).complete(messages, **options)


async def sync_stream(engine: LLMEngine, messages, options) -> None:
    with pytest.raises(LLMError) if _fails(engine) else _nothing():
        list(SimulatedLLMSync(engine=engine).events(messages, **options))


async def asgi_call(app, body: dict[str, Any], disconnect_after: int | None = None,
                    path: str = "/v1/chat/completions") -> tuple[int, list[bytes], bool]:
    """POST to one of the app's endpoints; (status, body parts, finished normally)."""
    raw = json.dumps(body).encode()
    gone = asyncio.Event()
    status, parts, done = 0, [], [False]
    first = [True]

    async def receive():
        if first[0]:
            first[0] = False
            return {"type": "http.request", "body": raw, "more_body": False}
        await gone.wait()
        return {"type": "http.disconnect"}

    async def send(message):
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        else:
            parts.append(message.get("body", b""))
            if not message.get("more_body", False):
                done[0] = True
            if disconnect_after is not None and len(parts) >= disconnect_after:
                gone.set()

    scope = {"type": "http", "method": "POST", "path": path,
             "headers": [(b"content-type", b"application/json")], "query_string": b""}
    await app(scope, receive, send)
    return status, parts, done[0]


async def server_complete(engine: LLMEngine, messages, options) -> None:
    await asgi_call(create_app(engine=engine), {"model": "sim-fast", "messages": messages, **options})


async def server_stream(engine: LLMEngine, messages, options) -> None:
    await asgi_call(create_app(engine=engine), {"model": "sim-fast", "messages": messages,
                                                "stream": True, **options})


def _responses_body(messages, options) -> dict[str, Any]:
    """The same call on the Responses API: messages as input items, tools in its flat shape."""
    body: dict[str, Any] = {"model": "sim-fast", "input": messages}
    if "tools" in options:
        body["tools"] = [{"type": "function", **tool["function"]} for tool in options["tools"]]
    return body


async def responses_complete(engine: LLMEngine, messages, options) -> None:
    await asgi_call(create_app(engine=engine), _responses_body(messages, options), path="/v1/responses")


async def responses_stream(engine: LLMEngine, messages, options) -> None:
    await asgi_call(create_app(engine=engine), {**_responses_body(messages, options), "stream": True},
                    path="/v1/responses")


DRIVERS = [async_complete, async_stream, sync_complete, sync_stream, server_complete, server_stream,
           responses_complete, responses_stream]


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def _fails(engine: LLMEngine) -> bool:
    return engine.faults.scripted_left and engine.faults._queue[0] not in ("ok", "hang")


def _record(engine: LLMEngine) -> tuple:
    u = engine.usage
    assert u.calls == 1
    return (round(u.latencies[0], 9), tuple(sorted(u.errors.items())), u.prompt_tokens, u.completion_tokens)


# ----------------------------------------------------------------------------- parity


@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize("outcome", OUTCOMES)
async def test_every_driver_costs_the_same_and_records_the_same(fake_clock, outcome, kind):
    messages, options = KINDS[kind]
    twin = _engine("ok").plan(messages, **options)  # the same call, planned without the fault
    records = {}
    for driver in DRIVERS:
        engine = _engine(outcome)
        await driver(engine, messages, options)
        records[driver.__name__] = _record(engine)
    assert len(set(records.values())) == 1, records
    latency, errors, prompt, completion = next(iter(records.values()))
    n = twin.completion_tokens
    expected = {
        "ok": (twin.duration, (), twin.prompt_tokens, n),
        "hang": (30.0 + twin.duration, (), twin.prompt_tokens, n),
        "rate_limit": (ERROR_LATENCY, (("rate_limit", 1),), 0, 0),
        "error": (ERROR_LATENCY + twin.ttft / 2, (("server_error", 1),), twin.prompt_tokens, 0),
        "overloaded": (ERROR_LATENCY + twin.ttft / 2, (("overloaded", 1),), twin.prompt_tokens, 0),
        "cut": (twin.ttft + twin.per_token * (n // 2), (("cut", 1),), twin.prompt_tokens, n // 2),
    }[outcome]
    assert latency == pytest.approx(expected[0])
    assert (errors, prompt, completion) == expected[1:]
    if kind == "tool":
        assert twin.finish_reason == "tool_calls" and len(twin.tool_calls) == 2


async def test_cut_lands_inside_a_tool_calls_arguments(fake_clock):
    messages, options = KINDS["tool"]
    engine = _engine("cut")
    stream = SimulatedLLM(engine=engine).stream(messages, **options)
    got = []
    with pytest.raises(StreamInterrupted) as caught:
        async for piece in stream.events():
            got.append(piece)
    assert got and all(isinstance(p, ToolCallDelta) for p in got)
    assert got[-1].id is None  # the last thing received was an argument fragment
    assert caught.value.tokens_received == len(got)


async def test_a_cancelled_call_is_recorded_alike_by_every_driver(fake_clock):
    messages, options = KINDS["text"]
    twin = _engine("ok").plan(messages, **options)

    # async complete, cancelled by a timeout shorter than the call
    a = _engine("ok")
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0):
            await SimulatedLLM(engine=a).complete(messages)
    # async stream and sync stream, abandoned after 3 tokens
    b = _engine("ok")
    stream = SimulatedLLM(engine=b).stream(messages)
    async for token in stream:
        if len(stream.tokens) == 3:
            break
    await stream.aclose()
    c = _engine("ok")
    pieces = SimulatedLLMSync(engine=c).stream(messages)
    for i, _ in enumerate(pieces):
        if i == 2:
            break
    pieces.close()
    # the server's stream, its client hanging up mid-answer
    d = _engine("ok")
    status, parts, finished = await asgi_call(create_app(engine=d), {
        "model": "sim-fast", "messages": messages, "stream": True}, disconnect_after=3)
    assert status == 200 and not finished

    for engine in (a, b, c, d):
        assert engine.usage.calls == 1 and engine.usage.errors == {"cancelled": 1}
        assert engine.usage.prompt_tokens == twin.prompt_tokens
    for engine in (b, c, d):  # streams: paid for what was delivered, at the time it was
        delivered = engine.usage.completion_tokens
        assert 1 <= delivered < twin.completion_tokens
        assert engine.usage.latencies[0] == pytest.approx(twin.ttft + twin.per_token * (delivered - 1))
    assert (b.usage.completion_tokens, c.usage.completion_tokens) == (3, 3)


async def test_a_request_bigger_than_the_tokens_per_minute_bucket_is_not_retryable(fake_clock):
    limits = RateLimits(tokens_per_minute=50)
    llm = SimulatedLLM(seed=SEED, rate_limits=limits)
    with pytest.raises(BadRequestError) as caught:
        await llm.complete("hello", max_tokens=200)
    error = caught.value
    assert not isinstance(error, RateLimitError) and error.retryable is False
    assert "tokens per minute" in str(error) and "retrying will not help" in str(error)
    assert llm.usage.errors == {"bad_request": 1}
    # Over HTTP: a 400 the SDK does not retry, OpenAI-shaped.
    app = create_app(seed=SEED, tpm=50)
    status, parts, _ = await asgi_call(app, {"model": "sim-fast", "max_tokens": 200,
                                             "messages": [{"role": "user", "content": "hello"}]})
    body = json.loads(b"".join(parts))
    assert status == 400 and body["error"]["code"] == "request_too_large"
    assert body["error"]["param"] == "max_tokens"


async def test_an_empty_request_bucket_is_a_retryable_429_everywhere(fake_clock):
    llm = SimulatedLLM(seed=SEED, rate_limits=RateLimits(requests_per_minute=1, clock_fn=clock.now))
    await llm.complete("one")
    with pytest.raises(RateLimitError) as caught:
        await llm.complete("two")
    assert 0 < caught.value.retry_after < 61
    app = create_app(seed=SEED, rpm=1)
    await asgi_call(app, {"model": "sim-fast", "messages": [{"role": "user", "content": "one"}]})
    status, parts, _ = await asgi_call(app, {"model": "sim-fast", "messages": [{"role": "user", "content": "two"}]})
    assert status == 429 and json.loads(b"".join(parts))["error"]["code"] == "rate_limit_exceeded"
    assert app.state.sim.engine.usage.errors == llm.usage.errors == {"rate_limit": 1}
