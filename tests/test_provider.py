"""The provider switch: connect() gives the simulator, or a real endpoint (here: our own server)."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import openai
import pytest

from course_utils import clock
from course_utils.faults import (BadRequestError, FaultPlan, RateLimitError, ServerError,
                                 StreamInterrupted)
from course_utils.llm import Completion, SimulatedLLM, SimulatedLLMSync
from course_utils.provider import (OpenAICompatibleLLM, OpenAICompatibleLLMSync, connect,
                                   connect_sync, map_error)
from course_utils.serving import ServerProcess, server_args

SEED = 7
SCALE = 0.05  # the same as tests/conftest.py, so client and server agree on course seconds
PROMPT = "Summarize: a provider switch lets the same lesson talk to a real model."
SECRET = "sk-course-test-SECRET-0123456789"


@pytest.fixture(scope="module")
def servers():
    specs = {"main": server_args(model="sim-fast", seed=SEED, time_scale=SCALE),
             "limited": server_args(model="sim-instant", seed=SEED, time_scale=SCALE, rpm=60,
                                    burst=1, per_key=True)}
    procs = {name: ServerProcess(args) for name, args in specs.items()}
    with ThreadPoolExecutor(len(procs)) as pool:
        list(pool.map(ServerProcess.start, procs.values()))
    yield procs
    for proc in procs.values():
        proc.stop()


@pytest.fixture
def real(servers, monkeypatch):
    """Point the course's client helpers at the local server, as a learner would with Ollama."""
    monkeypatch.setenv("COURSE_LLM_BASE_URL", servers["main"].base_url)
    monkeypatch.setenv("COURSE_LLM_API_KEY", SECRET)
    monkeypatch.setenv("COURSE_MODEL", "sim-fast")
    return servers["main"]


def test_connect_defaults_to_the_simulator():
    assert type(connect()) is SimulatedLLM
    assert type(connect_sync()) is SimulatedLLMSync
    assert connect(seed=3).seed == 3


async def test_complete_through_the_real_path(real):
    llm = connect()
    assert isinstance(llm, OpenAICompatibleLLM) and llm.model == "sim-fast"
    start = time.perf_counter()
    answer = await llm.complete(PROMPT)
    real_elapsed = time.perf_counter() - start
    expected = await SimulatedLLM(seed=SEED).complete(PROMPT)
    assert isinstance(answer, Completion)
    assert (answer.text, answer.prompt_tokens, answer.completion_tokens, answer.finish_reason) == (
        expected.text, expected.prompt_tokens, expected.completion_tokens, expected.finish_reason)
    assert answer.request_id.startswith(f"req_{SEED:x}_")
    # Course seconds on the client's clock (real time / scale): sim-fast needs at least ~0.2
    # course s, which is only 0.01 real seconds here.
    assert 0.15 < answer.latency <= clock.to_course(real_elapsed)
    assert llm.usage.calls == 1 and llm.usage.completion_tokens == answer.completion_tokens
    await llm.aclose()


async def test_stream_through_the_real_path(real):
    async with connect() as llm:
        stream = llm.stream(PROMPT, system="Be brief.")
        tokens = [token async for token in stream]
        expected = await SimulatedLLM(seed=SEED).stream(PROMPT, system="Be brief.").collect()
    assert "".join(tokens).strip() == stream.text == expected.text
    assert stream.completion is not None
    assert stream.completion.completion_tokens == expected.completion_tokens
    assert stream.completion.prompt_tokens == expected.prompt_tokens
    assert stream.ttft is not None and 0 < stream.ttft <= stream.completion.latency
    assert stream.request_id and stream.request_id.startswith("req_")
    assert llm.usage.calls == 1


async def test_rate_limit_maps_to_course_error_in_course_seconds(servers, monkeypatch):
    monkeypatch.setenv("COURSE_LLM_BASE_URL", servers["limited"].base_url)
    monkeypatch.setenv("COURSE_LLM_API_KEY", "provider-429")
    async with connect("sim-instant") as llm:
        await llm.complete(PROMPT)
        with pytest.raises(RateLimitError) as caught:
            await llm.complete(PROMPT)
        # The server refills 1 request per course second; its header is wall-clock, mapped back
        # to the client's course seconds (the server's own figure is in its message).
        assert 0 < caught.value.retry_after <= 1.01
        server_says = float(str(caught.value).rsplit("retry after ", 1)[1].split()[0])
        assert caught.value.retry_after == pytest.approx(server_says, abs=0.03)
        assert caught.value.limit == "requests"
        await clock.sleep(caught.value.retry_after)
        assert (await llm.complete(PROMPT)).text
    assert llm.usage.errors["rate_limit"] == 1


@pytest.mark.parametrize("fault, status", [("error", 500), ("overloaded", 503)])
async def test_server_errors_map_to_server_error(real, fault, status):
    async with connect(default_headers={"x-course-fault": fault}) as llm:
        with pytest.raises(ServerError) as caught:
            await llm.complete(PROMPT)
    assert caught.value.status_code == status and caught.value.retryable
    assert llm.usage.failures == 1


async def test_cuts_map_to_stream_interrupted(real):
    async with connect(default_headers={"x-course-fault": "cut"}) as llm:
        stream = llm.stream(PROMPT)
        with pytest.raises(StreamInterrupted) as caught:
            async for _ in stream:
                pass
        assert caught.value.tokens_received == len(stream.tokens) > 0
        with pytest.raises(StreamInterrupted):
            await llm.complete(PROMPT)
    assert llm.usage.errors["cut"] == 2


async def test_bad_requests_map_to_bad_request_and_never_show_the_key(real):
    async with connect() as llm:
        with pytest.raises(BadRequestError) as caught:
            await llm.complete(PROMPT, model="no-such-model")
        with pytest.raises(BadRequestError):
            await llm.complete([])  # checked locally, like the simulator
    assert caught.value.status_code == 404 and not caught.value.retryable
    assert llm.usage.errors["bad_request"] == 2  # counted like the simulator counts refusals
    assert caught.value.__cause__ is None  # the SDK's exception holds the request headers
    assert SECRET not in str(caught.value) and SECRET not in repr(caught.value)
    assert SECRET not in repr(llm) and "sim-fast" in repr(llm)


def test_key_is_scrubbed_from_error_messages(monkeypatch):
    monkeypatch.setenv("COURSE_LLM_API_KEY", SECRET)
    # The SDK's own HTTP library: httpx for openai 1.x, httpx2 for later versions.
    base_client = openai._base_client
    httpx_mod = getattr(base_client, "httpx2", None) or getattr(base_client, "httpx")
    request = httpx_mod.Request("POST", "http://127.0.0.1:9/v1/chat/completions")
    response = httpx_mod.Response(401, request=request)
    error = openai.AuthenticationError(f"Incorrect API key provided: {SECRET}", response=response,
                                       body={"error": {"message": f"Incorrect API key provided: {SECRET}"}})
    mapped = map_error(error)
    assert isinstance(mapped, BadRequestError) and mapped.status_code == 401
    assert SECRET not in str(mapped)


async def test_timeouts_become_timeout_error(real):
    # A hung call: the server waits (3600 course s) until the client gives up and hangs up.
    async with connect(timeout=0.3, default_headers={"x-course-fault": "hang"}) as llm:
        with pytest.raises(TimeoutError):
            await llm.complete(PROMPT)
    assert llm.usage.errors["timeout"] == 1


def test_simulator_options_are_ignored_with_a_warning(real):
    with pytest.warns(UserWarning, match="faults"):
        llm = connect(faults=FaultPlan(error_rate=0.5))
    assert isinstance(llm, OpenAICompatibleLLM)


def test_sync_client_through_the_real_path(real):
    with connect_sync() as llm:
        assert isinstance(llm, OpenAICompatibleLLMSync)
        answer = llm.complete(PROMPT)
        tokens = list(llm.stream(PROMPT))
    assert "".join(tokens).strip() == answer.text
    assert llm.usage.calls == 2 and llm.usage.failures == 0


WEATHER = {"type": "function", "function": {
    "name": "get_weather", "description": "Get the current weather for a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}


async def test_agent_options_take_the_same_shape_on_both_paths(real, monkeypatch):
    messages = [{"role": "user", "content": "What is the weather in Oslo and Lima?"}]
    fmt = {"type": "json_schema", "json_schema": {"name": "W", "schema": {
        "type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}
    async with connect() as llm:
        assert isinstance(llm, OpenAICompatibleLLM)
        reply = await llm.complete(messages, tools=[WEATHER])
        stream = llm.stream(messages, tools=[WEATHER])
        assert [t async for t in stream] == []  # only tool calls, no content
        structured = await llm.complete("Which city? Oslo.", response_format=fmt)
    monkeypatch.delenv("COURSE_LLM_BASE_URL")
    async with connect(seed=SEED) as sim:  # the simulator: async with works the same
        assert isinstance(sim, SimulatedLLM)
        expected = await sim.complete(messages, tools=[WEATHER])
    assert reply.finish_reason == "tool_calls"
    assert [(c.name, c.args) for c in reply.tool_calls] == [(c.name, c.args) for c in expected.tool_calls]
    assert [(c.name, c.args) for c in stream.completion.tool_calls] == \
        [("get_weather", {"city": "Oslo"}), ("get_weather", {"city": "Lima"})]
    assert structured.parsed == {"city": "Oslo"}


def test_sync_clients_are_context_managers_on_both_paths():
    with connect_sync(seed=SEED) as llm:
        assert llm.complete(PROMPT, stop=".").text
