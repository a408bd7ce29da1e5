"""The HTTP server: real subprocesses on loopback, driven with httpx and the openai SDK."""

from __future__ import annotations

import json
import os
import signal
import socket
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import openai
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from course_utils.llm import SimulatedLLM
from course_utils.presets import PRESETS
from course_utils.serving import ServerProcess, ServerStartError, serve, serve_async, server_args

SEED = 7
SCALE = 0.05
MESSAGES = [{"role": "user", "content": "Summarize: the event loop lets one agent wait for many calls."}]


@pytest.fixture(scope="module")
def servers():
    """Three servers, started in parallel: plain, rate-limited (per key) and scripted faults."""
    specs = {
        "main": server_args(model="sim-fast", seed=SEED, time_scale=SCALE),
        # Time scale 1 here, so a retry-after is long enough to tell from the SDK's own backoff.
        "limited": server_args(model="sim-instant", seed=SEED, time_scale=1.0, rpm=60, burst=1,
                               per_key=True),
        "faulty": server_args(model="sim-instant", seed=SEED, time_scale=SCALE,
                              fault_script=["error", "overloaded"]),
    }
    procs = {name: ServerProcess(args) for name, args in specs.items()}
    with ThreadPoolExecutor(len(procs)) as pool:
        list(pool.map(ServerProcess.start, procs.values()))
    yield procs
    for proc in procs.values():
        proc.stop()


@pytest.fixture(scope="module")
def main_server(servers) -> ServerProcess:
    return servers["main"]


@pytest.fixture(scope="module")
def http(main_server):
    with httpx.Client(base_url=main_server.base_url, trust_env=False, timeout=10) as client:
        yield client


def _post(http: httpx.Client, body, **kwargs) -> httpx.Response:
    return http.post("/chat/completions", json=body, **kwargs)


def _assert_openai_error(response: httpx.Response) -> dict:
    body = response.json()
    assert set(body) == {"error"}
    error = body["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert isinstance(error["message"], str) and error["message"]
    assert isinstance(error["type"], str)
    return error


# --------------------------------------------------------------------------- happy paths


def test_health_and_models(main_server, http):
    health = httpx.get(f"{main_server.root_url}/health", trust_env=False).json()
    assert health["status"] == "ok" and health["seed"] == SEED and health["time_scale"] == SCALE
    models = http.get("/models").json()
    assert models["object"] == "list" and [m["id"] for m in models["data"]] == list(PRESETS)
    assert http.get("/models/sim-fast").json()["id"] == "sim-fast"
    assert httpx.get(f"{main_server.root_url}/openapi.json", trust_env=False).status_code == 200
    missing = http.get("/models/nope")
    assert missing.status_code == 404 and _assert_openai_error(missing)["code"] == "model_not_found"


async def test_plain_completion_matches_the_simulator(http):
    start = time.perf_counter()
    response = _post(http, {"model": "sim-fast", "messages": MESSAGES})
    real = time.perf_counter() - start
    assert response.status_code == 200
    body = response.json()
    expected = await SimulatedLLM(seed=SEED, model="sim-fast").complete(MESSAGES)
    assert body["object"] == "chat.completion" and body["model"] == "sim-fast"
    assert body["choices"][0]["message"] == {"role": "assistant", "content": expected.text, "refusal": None}
    assert body["choices"][0]["finish_reason"] == expected.finish_reason
    assert body["usage"] == {"prompt_tokens": expected.prompt_tokens,
                             "completion_tokens": expected.completion_tokens,
                             "total_tokens": expected.total_tokens}
    assert response.headers["x-request-id"].startswith(f"req_{SEED:x}_")
    # Latency is reported in course seconds and really slept at the server's time scale.
    course = float(response.headers["x-course-latency"])
    assert course > 0.15  # sim-fast: at least ~0.2 course s to the first token
    assert real >= course * SCALE * 0.9


async def test_openai_sdk_plain_and_streaming(main_server):
    async with openai.AsyncOpenAI(base_url=main_server.base_url, api_key="test") as client:
        answer = await client.chat.completions.create(model="sim-fast", messages=MESSAGES)
        stream = await client.chat.completions.create(
            model="sim-fast", messages=MESSAGES, stream=True, stream_options={"include_usage": True})
        pieces, finish, usage = [], None, None
        async for chunk in stream:
            if chunk.usage is not None:
                usage = chunk.usage
            for choice in chunk.choices:
                pieces.append(choice.delta.content or "")
                finish = choice.finish_reason or finish
    assert answer.choices[0].message.content == "".join(pieces)
    assert finish == answer.choices[0].finish_reason
    assert usage is not None and usage.completion_tokens == answer.usage.completion_tokens
    assert usage.total_tokens == answer.usage.total_tokens


def test_stream_is_openai_sse(http):
    body = {"model": "sim-fast", "messages": MESSAGES, "stream": True}
    with http.stream("POST", "/chat/completions", json=body) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        lines = [line for line in response.iter_lines() if line]
    assert all(line.startswith("data: ") for line in lines)
    assert lines[-1] == "data: [DONE]"
    chunks = [json.loads(line[6:]) for line in lines[:-1]]
    assert {c["object"] for c in chunks} == {"chat.completion.chunk"}
    assert len({c["id"] for c in chunks}) == 1
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    assert chunks[-1]["choices"][0]["finish_reason"] in ("stop", "length")
    assert all("usage" not in c for c in chunks)  # only when stream_options asks for it


# --------------------------------------------------------------------------- limits and faults


def _stats(server: ServerProcess) -> dict:
    return server.stats()


async def test_sdk_honours_retry_after_on_429(servers):
    server = servers["limited"]
    before = _stats(server)
    seen: list[tuple[int, float]] = []  # (status, time) of every response the SDK received

    async def on_response(response) -> None:
        seen.append((response.status_code, time.perf_counter()))
        if response.status_code == 429:
            waits.append(int(response.headers["retry-after-ms"]) / 1000)

    waits: list[float] = []
    http_client = openai.DefaultAsyncHttpxClient(event_hooks={"response": [on_response]})
    async with openai.AsyncOpenAI(base_url=server.base_url, api_key="sdk-429-key", max_retries=2,
                                  http_client=http_client) as client:
        await client.chat.completions.create(model="sim-instant", messages=MESSAGES)  # uses the burst
        answer = await client.chat.completions.create(model="sim-instant", messages=MESSAGES)
    after = _stats(server)
    assert answer.choices[0].message.content
    assert [status for status, _ in seen] == [200, 429, 200]
    assert after["statuses"].get("429", 0) - before["statuses"].get("429", 0) == 1
    assert after["sdk_retries"] - before["sdk_retries"] == 1
    # The SDK slept for the server's retry-after-ms before retrying: longer than its own first
    # backoff (at most 0.5 s) could explain, since the bucket refills one request per second.
    slept = seen[2][1] - seen[1][1]
    assert waits and slept >= waits[0] > 0.5


def test_429_is_openai_shaped_with_headers_and_per_key(servers):
    server = servers["limited"]
    with httpx.Client(base_url=server.base_url, trust_env=False) as client:
        body = {"model": "sim-instant", "messages": MESSAGES}
        key = {"Authorization": "Bearer httpx-429-key"}
        assert client.post("/chat/completions", json=body, headers=key).status_code == 200
        refused = client.post("/chat/completions", json=body, headers=key)
        other = client.post("/chat/completions", json=body, headers={"Authorization": "Bearer another"})
    assert refused.status_code == 429
    error = _assert_openai_error(refused)
    assert error["type"] == "requests" and error["code"] == "rate_limit_exceeded"
    headers = refused.headers
    assert int(headers["retry-after"]) >= 1
    assert 0 < int(headers["retry-after-ms"]) <= 1000
    assert 0 < float(headers["x-course-retry-after"]) <= 1.0
    assert headers["x-should-retry"] == "true"
    assert headers["x-ratelimit-limit-requests"] == "1"
    assert headers["x-ratelimit-remaining-requests"] == "0"
    assert headers["x-ratelimit-reset-requests"].endswith("s")
    assert other.status_code == 200  # per-key buckets: another key is not affected


async def test_sdk_retries_500_and_503(servers):
    server = servers["faulty"]  # scripted: error, overloaded, then ok
    async with openai.AsyncOpenAI(base_url=server.base_url, api_key="x", max_retries=2) as client:
        answer = await client.chat.completions.create(model="sim-instant", messages=MESSAGES)
    stats = _stats(server)
    assert answer.choices[0].message.content
    assert stats["statuses"] == {"200": 1, "500": 1, "503": 1}
    assert stats["sdk_retries"] == 2


@pytest.mark.parametrize("fault, status", [("error", 500), ("overloaded", 503)])
def test_forced_server_errors(http, fault, status):
    response = _post(http, {"model": "sim-fast", "messages": MESSAGES}, headers={"x-course-fault": fault})
    assert response.status_code == status
    assert response.headers["x-should-retry"] == "true"
    assert _assert_openai_error(response)["type"] == "server_error"


def test_cut_stream_drops_the_connection_and_the_server_lives_on(main_server, http):
    body = {"model": "sim-fast", "messages": MESSAGES, "stream": True}
    lines = []
    with pytest.raises(httpx.RemoteProtocolError):
        with http.stream("POST", "/chat/completions", json=body, headers={"x-course-fault": "cut"}) as r:
            for line in r.iter_lines():
                lines.append(line)
    assert lines and "data: [DONE]" not in lines
    assert httpx.get(f"{main_server.root_url}/health", trust_env=False).status_code == 200


# --------------------------------------------------------------------------- bad input

BAD_BODIES = {
    "malformed json": (b'{"model": "sim-fast", "messages": [', 400, None),
    "empty body": (b"", 400, None),
    "not an object": (b"[1, 2, 3]", 400, None),
    "missing messages": ({"model": "sim-fast"}, 400, "missing_required_parameter"),
    "missing model": ({"messages": MESSAGES}, 400, "missing_required_parameter"),
    "messages not a list": ({"model": "sim-fast", "messages": "hi"}, 400, "invalid_type"),
    "empty messages": ({"model": "sim-fast", "messages": []}, 400, "empty_array"),
    "message not an object": ({"model": "sim-fast", "messages": ["hi"]}, 400, "invalid_type"),
    "content wrong type": ({"model": "sim-fast", "messages": [{"role": "user", "content": 5}]}, 400, "invalid_type"),
    "unknown role": ({"model": "sim-fast", "messages": [{"role": "wizard", "content": "x"}]}, 400, "invalid_value"),
    "model not a string": ({"model": 3, "messages": MESSAGES}, 400, "invalid_type"),
    "max_tokens a string": ({"model": "sim-fast", "messages": MESSAGES, "max_tokens": "9"}, 400, "invalid_type"),
    "max_tokens zero": ({"model": "sim-fast", "messages": MESSAGES, "max_tokens": 0}, 400, "integer_below_min_value"),
    "stream not a bool": ({"model": "sim-fast", "messages": MESSAGES, "stream": "yes"}, 400, "invalid_type"),
    "temperature too high": ({"model": "sim-fast", "messages": MESSAGES, "temperature": 7}, 400, "invalid_value"),
    "stream_options without stream": ({"model": "sim-fast", "messages": MESSAGES,
                                       "stream_options": {"include_usage": True}}, 400, None),
    "unknown parameter": ({"model": "sim-fast", "messages": MESSAGES, "colour": "blue"}, 400, "unknown_parameter"),
    "unknown model": ({"model": "gpt-nope", "messages": MESSAGES}, 404, "model_not_found"),
}


@pytest.mark.parametrize("case", list(BAD_BODIES))
def test_bad_bodies_get_openai_shaped_4xx(http, case):
    body, status, code = BAD_BODIES[case]
    if isinstance(body, bytes):
        response = http.post("/chat/completions", content=body, headers={"content-type": "application/json"})
    else:
        response = _post(http, body)
    assert response.status_code == status, response.text
    error = _assert_openai_error(response)
    assert error["type"] == "invalid_request_error"
    if code is not None:
        assert error["code"] == code
    assert response.headers["x-should-retry"] == "false"


def test_oversized_body_is_413(main_server, http):
    big = {"model": "sim-fast", "messages": [{"role": "user", "content": "x" * (1 << 20)}]}
    response = _post(http, big)
    assert response.status_code == 413
    assert _assert_openai_error(response)["code"] == "request_too_large"

    def chunks():  # no content-length: the limit must hold for a chunked upload too
        yield b'{"model": "sim-fast", "messages": [{"role": "user", "content": "'
        for _ in range(40):
            yield b"y" * 32768
        yield b'"}]}'

    response = http.post("/chat/completions", content=chunks())
    assert response.status_code == 413
    assert http.get("/models").status_code == 200  # and the server is still up


@pytest.mark.parametrize("method, path, status", [
    ("GET", "/chat/completions", 405), ("PUT", "/chat/completions", 405),
    ("DELETE", "/models", 405), ("POST", "/completions", 404), ("GET", "/nowhere", 404),
])
def test_wrong_method_or_path(http, method, path, status):
    response = http.request(method, path)
    assert response.status_code == status
    assert _assert_openai_error(response)["type"] == "invalid_request_error"


# --------------------------------------------------------------------------- fuzzing

_scalars = (st.none() | st.booleans() | st.integers(-(2 ** 70), 2 ** 70)
            | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=20))
_json = st.recursive(_scalars, lambda kids: st.lists(kids, max_size=4)
                     | st.dictionaries(st.text(max_size=8), kids, max_size=4), max_leaves=12)
_part = st.fixed_dictionaries({}, optional={"type": st.sampled_from(["text", "image_url"]) | _json,
                                            "text": st.text(max_size=40) | _json})
_names = st.sampled_from(["get_weather", "search", "f", "", "bad name", "x" * 70]) | _json
# JSON schemas: mostly well-formed objects (strict or not), sometimes broken anywhere.
_prop = st.fixed_dictionaries({}, optional={
    "type": st.sampled_from(["string", "integer", "number", "boolean", "array", "object", "null"]) | _json,
    "enum": st.lists(_scalars, max_size=3) | _json,
    "items": st.just({"type": "string"}) | _json,
    "description": st.text(max_size=20),
})
_schema = st.fixed_dictionaries({}, optional={
    "type": st.sampled_from(["object", "array", "string"]) | _json,
    "properties": st.dictionaries(st.text(max_size=8), _prop, max_size=3) | _json,
    "required": st.lists(st.text(max_size=8), max_size=3) | _json,
    "additionalProperties": st.booleans() | _json,
    "$defs": st.dictionaries(st.text(max_size=6), _prop, max_size=2) | _json,
    "anyOf": st.lists(_prop, max_size=2),
}) | _json
_function = st.fixed_dictionaries({}, optional={
    "name": _names, "description": st.text(max_size=30) | _json, "parameters": _schema,
    "strict": st.booleans() | _json})
_tool = st.fixed_dictionaries({}, optional={
    "type": st.sampled_from(["function", "custom", "web_search"]) | _json, "function": _function | _json})
_flat_tool = st.fixed_dictionaries({}, optional={
    "type": st.sampled_from(["function", "custom", "web_search"]) | _json, "name": _names,
    "description": st.text(max_size=30) | _json, "parameters": _schema, "strict": st.booleans() | _json})
_tool_choice = (st.sampled_from(["none", "auto", "required", "sometimes"])
                | st.fixed_dictionaries({"type": st.sampled_from(["function", "allowed_tools", "custom"]) | _json},
                                        optional={"function": st.fixed_dictionaries({}, optional={"name": _names}) | _json,
                                                  "name": _names, "mode": _json, "tools": _json,
                                                  "allowed_tools": _json})
                | _json)
_format = st.fixed_dictionaries({}, optional={
    "type": st.sampled_from(["text", "json_object", "json_schema", "xml"]) | _json,
    "json_schema": st.fixed_dictionaries({}, optional={"name": _names, "schema": _schema,
                                                       "strict": st.booleans() | _json}) | _json,
    "name": _names, "schema": _schema, "strict": st.booleans() | _json,
}) | _json
_tool_call = st.fixed_dictionaries({}, optional={
    "id": st.sampled_from(["call_1", "call_2"]) | _json, "type": st.just("function") | _json,
    "function": st.fixed_dictionaries({}, optional={"name": _names, "arguments": st.text(max_size=30) | _json}) | _json,
})
_message = st.fixed_dictionaries({}, optional={
    "role": st.sampled_from(["system", "user", "assistant", "tool", "developer", "wizard"]) | _json,
    "content": st.text(max_size=200) | st.lists(_part, max_size=3) | _json,
    "name": _json,
    "tool_calls": st.lists(_tool_call, max_size=2) | _json,
    "tool_call_id": st.sampled_from(["call_1", "call_2"]) | _json,
})
_body = st.fixed_dictionaries({}, optional={
    "model": st.sampled_from(["sim-instant", "sim-fast", "gpt-4o", ""]) | _json,
    "messages": st.lists(_message, max_size=4) | _json,
    "stream": st.booleans() | _json,
    "stream_options": st.fixed_dictionaries({}, optional={"include_usage": st.booleans() | _json}) | _json,
    "max_tokens": st.integers(-3, 2 ** 80) | _json,
    "max_completion_tokens": st.integers(-3, 300) | _json,
    "temperature": st.floats(allow_nan=True) | _json,
    "top_p": st.floats() | _json,
    "n": st.integers(-1, 3) | _json,
    "stop": _json,
    "seed": _json,
    "tools": st.lists(_tool, max_size=3) | _json,
    "tool_choice": _tool_choice,
    "parallel_tool_calls": st.booleans() | _json,
    "response_format": _format,
    "logprobs": st.booleans() | _json,
    "functions": _json,
}) | _json
_item = st.fixed_dictionaries({}, optional={
    "type": st.sampled_from(["message", "function_call", "function_call_output", "reasoning",
                             "item_reference"]) | _json,
    "role": st.sampled_from(["user", "assistant", "system", "developer", "tool"]) | _json,
    "content": st.text(max_size=100) | st.lists(st.fixed_dictionaries({}, optional={
        "type": st.sampled_from(["input_text", "output_text", "input_image"]) | _json,
        "text": st.text(max_size=40) | _json}), max_size=2) | _json,
    "call_id": st.sampled_from(["call_1", "call_2"]) | _json,
    "name": _names, "arguments": st.text(max_size=30) | _json, "output": st.text(max_size=30) | _json,
})
_responses_body = st.fixed_dictionaries({}, optional={
    "model": st.sampled_from(["sim-instant", "sim-fast", "gpt-4o"]) | _json,
    "input": st.text(max_size=100) | st.lists(_item, max_size=4) | _json,
    "instructions": st.text(max_size=40) | _json,
    "stream": st.booleans() | _json,
    "tools": st.lists(_flat_tool, max_size=3) | _json,
    "tool_choice": _tool_choice,
    "parallel_tool_calls": st.booleans() | _json,
    "text": st.fixed_dictionaries({}, optional={"format": _format, "verbosity": _json}) | _json,
    "max_output_tokens": st.integers(-3, 300) | _json,
    "previous_response_id": st.sampled_from(["resp_x"]) | _json,
    "store": st.booleans() | _json,
    "reasoning": _json,
    "include": st.lists(st.sampled_from(["reasoning.encrypted_content", "x"]), max_size=2) | _json,
}) | _json
_extra = st.dictionaries(st.text(max_size=10), _json, max_size=2)


def _check_no_5xx(response: httpx.Response) -> None:
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        _assert_openai_error(response)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(body=_body, extra=_extra)
def test_fuzz_json_bodies_never_5xx(http, body, extra):
    if isinstance(body, dict) and extra:
        body = {**extra, **body}
    _check_no_5xx(http.post("/chat/completions", content=json.dumps(body, allow_nan=True),
                            headers={"content-type": "application/json"}))


# The same fields on an otherwise valid request, so the checks behind model and messages run too.
_tooling = st.fixed_dictionaries({
    "model": st.just("sim-instant"),
    "messages": st.just([{"role": "user", "content": "Weather in Paris? Answer in json."}])
    | st.lists(_message.filter(lambda m: m.get("role") in ("user", "assistant", "tool")), min_size=1, max_size=4),
}, optional={"tools": st.lists(_tool, max_size=3), "tool_choice": _tool_choice,
             "parallel_tool_calls": st.booleans() | _json, "response_format": _format,
             "stream": st.booleans(), "stop": _json, "seed": _json})


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(body=_tooling)
def test_fuzz_tools_and_formats_never_5xx(http, body):
    _check_no_5xx(http.post("/chat/completions", content=json.dumps(body, allow_nan=True),
                            headers={"content-type": "application/json"}))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(body=_responses_body, extra=_extra)
def test_fuzz_responses_bodies_never_5xx(http, body, extra):
    if isinstance(body, dict) and extra:
        body = {**extra, **body}
    _check_no_5xx(http.post("/responses", content=json.dumps(body, allow_nan=True),
                            headers={"content-type": "application/json"}))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.binary(max_size=300) | st.text(max_size=300).map(lambda t: t.encode("utf-8", "surrogatepass")))
def test_fuzz_raw_bytes_never_5xx(http, raw):
    _check_no_5xx(http.post("/chat/completions", content=raw))


def test_server_survived_the_fuzzing(main_server):
    assert httpx.get(f"{main_server.root_url}/health", trust_env=False).status_code == 200
    assert main_server._proc is not None and main_server._proc.poll() is None


# --------------------------------------------------------------------------- lifecycle


def test_serve_starts_and_stops_cleanly():
    with serve(model="sim-instant", time_scale=SCALE) as base_url:
        port = int(base_url.rsplit(":", 1)[1].split("/")[0])
        assert httpx.post(f"{base_url}/chat/completions", trust_env=False,
                          json={"model": "sim-instant", "messages": MESSAGES}).status_code == 200
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{base_url}/models", trust_env=False)
    with socket.socket() as s:  # the port is free again
        s.bind(("127.0.0.1", port))


def test_stop_reaps_the_process_and_reports_its_exit():
    server = ServerProcess(server_args(model="sim-instant", time_scale=SCALE), grace=5.0)
    server.start()
    proc = server._proc
    start = time.perf_counter()
    server.stop()
    assert time.perf_counter() - start < 5.0  # finished on SIGTERM, was not killed after the grace
    assert proc is not None and proc.poll() is not None  # reaped: no zombie left
    assert server.returncode == proc.returncode
    if os.name != "nt":
        # uvicorn shuts down gracefully, then re-raises SIGTERM so the exit status tells why.
        assert proc.returncode in (0, -signal.SIGTERM)
    server.stop()  # twice is fine


async def test_serve_async():
    async with serve_async(model="sim-instant", time_scale=SCALE) as base_url:
        async with httpx.AsyncClient(trust_env=False) as client:
            response = await client.get(f"{base_url}/models")
    assert response.status_code == 200


def test_a_server_that_dies_reports_its_stderr():
    with pytest.raises(ServerStartError, match="unknown model"):
        with serve(model="no-such-model"):
            pass
