"""The simulated LLM over HTTP, speaking OpenAI's Chat Completions and Responses APIs (lesson 10).

    python -m course_utils.server --port 8000          # then point any OpenAI client at it:
    AsyncOpenAI(base_url="http://127.0.0.1:8000/v1", api_key="anything")

Endpoints: ``POST /v1/chat/completions`` (plain or ``"stream": true`` Server-Sent Events),
``POST /v1/responses`` (the Responses API, plain or streamed, see
:mod:`course_utils.responses_api`; ``GET``/``DELETE /v1/responses/{id}`` for stored ones),
``GET /v1/models``, ``GET /v1/models/{id}``, ``GET /health`` and ``GET /stats`` (what the server
saw: requests by status, SDK retries, usage in course seconds). Texts, latencies and faults come
from :class:`course_utils.llm.LLMEngine`, so the same seed gives the same answers as
:class:`~course_utils.llm.SimulatedLLM` for the same sequence of calls.

Units. Simulated latencies are course seconds, slept at ``COURSE_TIME_SCALE`` (the process
inherits it, or pass ``--time-scale``); ``/stats`` and the ``x-course-*`` headers report course
seconds. The standard HTTP headers a client *sleeps on* -- ``retry-after``, ``retry-after-ms``
and ``x-ratelimit-reset-*`` -- are wall-clock, because that is what every HTTP client (the
``openai`` SDK included) waits in. ``x-course-retry-after`` gives the same wait in course seconds.

Simulator-only extra: a request header ``x-course-fault: error`` (or ``overloaded``,
``rate_limit``, ``hang``, ``cut``, ``ok``) forces the outcome of that one call, so a lesson can
show a 503 on demand; ``--no-fault-header`` switches it off.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import logging
import math
import os
import socket
import sys
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Any, Awaitable, Callable, Sequence

import uvicorn
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import Response

from . import clock, outcomes
from .api_errors import APIError
from .chat_request import ChatRequest, parse_chat_request
from .config import DEFAULT_MODEL
from .faults import OUTCOMES, BadRequestError, FaultPlan, LLMError, RateLimitError
from .llm import CallPlan, LLMEngine, ToolCallDelta
from .presets import PRESETS
from .ratelimit import RateLimits

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
#: Bodies above this get a 413, like the real APIs (theirs is larger; 1 MiB is plenty here).
MAX_BODY_BYTES = 1 << 20
#: Past this much we stop draining an oversized body and just close the connection.
_DRAIN_LIMIT = 64 << 20
#: The wait a scripted or forced ``rate_limit`` fault asks for, in course seconds.
#: At most this many per-key buckets are kept (oldest dropped), so random keys cannot eat memory.
MAX_KEYS = 10_000
_CREATED = 1_700_000_000  # fixed "created" for /v1/models: the presets do not change at runtime
_FINGERPRINT = "fp_course_sim"
# APIError and the request parsing live in api_errors / chat_request (imported above).


# --------------------------------------------------------------------------- JSON


_encoder = json.JSONEncoder(separators=(",", ":"))  # json.dumps(separators=...) builds one per call
_quote = json.encoder.encode_basestring_ascii  # type: ignore[attr-defined]


def _json_bytes(payload: Any) -> bytes:
    # ASCII output: a lone surrogate from a client's JSON must not make *encoding* fail (a 500).
    return _encoder.encode(payload).encode()


def _json_str(text: str) -> bytes:
    """A JSON string literal, the hot path's only escaping."""
    return _quote(text).encode()


# --------------------------------------------------------------------------- state


@dataclass
class ServerStats:
    """What the server saw, for ``GET /stats`` (lessons show the SDK retrying with it)."""

    requests: int = 0
    sdk_retries: int = 0
    statuses: Counter = field(default_factory=Counter)
    streams_open: int = 0
    cut: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"requests": self.requests, "sdk_retries": self.sdk_retries,
                "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
                "streams_open": self.streams_open, "cut": self.cut}


class ServerState:
    """The engine, the rate-limit buckets and the counters behind one app."""

    def __init__(self, engine: LLMEngine, *, rpm: float | None, tpm: float | None,
                 burst: float | None, per_key: bool, max_body_bytes: int, fault_header: bool) -> None:
        self.engine = engine
        self.rpm, self.tpm, self.burst = rpm, tpm, burst
        self.per_key = per_key
        self.max_body_bytes = max_body_bytes
        self.fault_header = fault_header
        self.stats = ServerStats()
        self._buckets: dict[str, RateLimits] = {}
        # An engine handed in with its own limits keeps them as the global bucket.
        self._engine_limits = engine.rate_limits

    @property
    def limited(self) -> bool:
        return bool(self.rpm or self.tpm)

    def bucket_for(self, authorization: str | None) -> RateLimits | None:
        """This caller's limits: one set per API key, or one for everybody."""
        if not self.limited:
            return self._engine_limits
        key = "*"
        if self.per_key and authorization:
            # Keep a digest, not the key: nothing in this process should hold learners' secrets.
            key = hashlib.blake2b(authorization.encode("utf-8", "replace"), digest_size=12).hexdigest()
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= MAX_KEYS:
                self._buckets.pop(next(iter(self._buckets)))
            bucket = self._buckets[key] = RateLimits(self.rpm, self.tpm, self.burst)
        return bucket

    def plan(self, request: ChatRequest, bucket: RateLimits | None) -> CallPlan:
        # The engine checks its own ``rate_limits`` inside plan(), which keeps the simulator's
        # semantics exactly (a refused call still uses up a call index). Swapping in this
        # caller's buckets is safe: plan() is synchronous, so no other request can interleave.
        self.engine.rate_limits = bucket
        messages = request.messages
        # A lone user message is planned as the plain string it is equivalent to (same tokens,
        # same text): the engine's fast path, worth a few microseconds per request.
        prompt = (messages[0]["content"] if len(messages) == 1 and messages[0]["role"] == "user"
                  else messages)
        try:
            if (request.tools is None and request.tool_choice is None and request.stop is None
                    and request.response_format is None and request.parallel_tool_calls is None
                    and request.seed is None):
                return self.engine.plan(prompt, model=request.model, max_tokens=request.max_tokens)
            return self.engine.plan(prompt, model=request.model, max_tokens=request.max_tokens,
                                    tools=request.tools, tool_choice=request.tool_choice,
                                    parallel_tool_calls=request.parallel_tool_calls,
                                    response_format=request.response_format, stop=request.stop,
                                    seed=request.seed)
        finally:
            self.engine.rate_limits = self._engine_limits


def _ratelimit_headers(bucket: RateLimits | None) -> dict[str, str]:
    if bucket is None:
        return {}
    headers = bucket.headers()
    scale = clock.time_scale()
    for name, value in headers.items():
        if name.startswith("x-ratelimit-reset-"):  # course seconds -> wall-clock, like retry-after
            headers[name] = f"{float(value.rstrip('s')) * scale:.3f}s"
    return headers


def _retry_headers(course_wait: float) -> dict[str, str]:
    if not math.isfinite(course_wait):
        # The request can never fit (more tokens than a whole minute allows): do not retry.
        return {"x-should-retry": "false"}
    real = clock.to_real(course_wait)
    return {
        "retry-after": str(max(1, math.ceil(real))),           # RFC 9110: whole seconds
        "retry-after-ms": str(max(1, math.ceil(real * 1000))),  # what the openai SDK prefers
        "x-course-retry-after": f"{course_wait:.3f}",
        "x-should-retry": "true",
    }


def _rate_limit_error(error: RateLimitError, bucket: RateLimits | None) -> APIError:
    headers = {**_ratelimit_headers(bucket), **_retry_headers(error.retry_after)}
    if error.request_id:
        headers["x-request-id"] = error.request_id
    return APIError(429, str(error), type=error.limit, code="rate_limit_exceeded", headers=headers)


# --------------------------------------------------------------------------- responses

Send = Callable[[dict[str, Any]], Awaitable[None]]
Receive = Callable[[], Awaitable[dict[str, Any]]]


def _header_list(headers: dict[str, str]) -> list[tuple[bytes, bytes]]:
    return [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]


def _json_error_response(err: APIError) -> Response:
    payload = {"error": {"message": err.message, "type": err.type, "param": err.param, "code": err.code}}
    headers = dict(err.headers)
    headers.setdefault("x-should-retry", "true" if err.status >= 500 or err.status == 429 else "false")
    return Response(_json_bytes(payload), status_code=err.status, headers=headers,
                    media_type="application/json")


async def _wait_for_disconnect(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


async def _sleep_unless_gone(receive: Receive, course_seconds: float) -> bool:
    """Sleep, but give up as soon as the client hangs up; ``True`` if the client is still there."""
    sleeper = asyncio.ensure_future(clock.sleep(course_seconds))
    watcher = asyncio.ensure_future(_wait_for_disconnect(receive))
    done, pending = await asyncio.wait({sleeper, watcher}, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
    return sleeper in done


class _QuietCuts(logging.Filter):
    """Hide uvicorn's complaint about the responses we cut short on purpose."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "returned without completing response" not in record.getMessage()


def _install_log_filter() -> None:
    logger = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, _QuietCuts) for f in logger.filters):
        logger.addFilter(_QuietCuts())


# --------------------------------------------------------------------------- the app


class ChatCompletions:
    """``POST /v1/chat/completions`` as a bare ASGI endpoint.

    It is the one hot path, so it skips FastAPI's routing and dependency machinery (which
    cost more than the whole simulated call) and writes its answers straight to ASGI.
    """

    def __init__(self, state: ServerState) -> None:
        self.state = state
        self.engine = state.engine

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        state = self.state
        state.stats.requests += 1
        answering = [False]  # set by _handle just before it starts answering
        try:
            await self._handle(scope, receive, send, answering)
        except APIError as err:
            state.stats.statuses[err.status] += 1
            if not answering[0]:  # every APIError is raised before the answer starts; be sure
                await _send_error(send, err)
        except Exception:
            logging.getLogger("uvicorn.error").exception("chat completion failed")
            if not answering[0]:
                state.stats.statuses[500] += 1
                await _send_error(send, APIError(500, "The server had an error while processing "
                                                      "your request.", type="server_error"))

    async def _read_body(self, receive: Receive, declared: bytes | None) -> bytes:
        limit = self.state.max_body_bytes
        if declared is not None and declared.isdigit() and int(declared) > _DRAIN_LIMIT:
            raise _too_large(int(declared), limit, close=True)
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                raise _ClientGone()
            chunk = message.get("body", b"")
            size += len(chunk)
            if size <= limit:
                chunks.append(chunk)
            elif size > _DRAIN_LIMIT:
                raise _too_large(size, limit, close=True)
            if not message.get("more_body", False):
                break
        # Oversized bodies are drained (not stored) before answering: closing on unread data
        # makes the kernel reset the connection, and the client would never see the 413.
        if size > limit:
            raise _too_large(size, limit, close=False)
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)

    async def _incoming(self, scope: dict[str, Any], receive: Receive
                        ) -> tuple[Any, str | None, str | None] | None:
        """The decoded JSON body, the ``Authorization`` header and a forced fault, or ``None``
        if the client left before sending the whole body. Shared with ``/v1/responses``."""
        state = self.state
        length = authorization = forced = None
        for name, value in scope["headers"]:
            if name == b"content-length":
                length = value
            elif name == b"authorization":
                authorization = value.decode("latin-1")
            elif name == b"x-stainless-retry-count":
                if value != b"0":  # the openai SDK numbers its retries: proof it retried
                    state.stats.sdk_retries += 1
            elif name == b"x-course-fault" and state.fault_header:
                forced = value.decode("latin-1")
        try:
            raw = await self._read_body(receive, length)
        except _ClientGone:
            return None
        try:
            # Decoding first skips json's encoding sniffing; the API speaks UTF-8 only anyway.
            body = json.loads(raw.decode())
        except (ValueError, RecursionError):
            raise APIError(400, "We could not parse the JSON body of your request. (HINT: This "
                                "likely means you aren't using your HTTP library correctly. The "
                                "API expects a JSON payload, but what was sent was not valid "
                                "JSON.)") from None
        return body, authorization, forced

    async def _decide(self, chat: ChatRequest, authorization: str | None, forced: str | None,
                      receive: Receive, course_start: float, prompt_param: str
                      ) -> tuple[CallPlan, outcomes.Steps, RateLimits | None] | None:
        """Plan the call and play out a failure that replaces the answer (an error status).

        Returns the plan, its steps and the caller's bucket when there is an answer to give,
        ``None`` if the client hung up while waiting. ``prompt_param`` is where a refusal of
        the prompt as a whole points (``messages`` for chat, ``input`` for responses).
        """
        state, engine = self.state, self.engine
        if chat.model not in PRESETS:
            raise _model_not_found(chat.model)
        if forced is not None and forced not in OUTCOMES:
            raise APIError(400, f"x-course-fault must be one of {', '.join(OUTCOMES)}",
                           param="x-course-fault", code="invalid_value")
        bucket = state.bucket_for(authorization)
        try:
            plan: CallPlan | None = state.plan(chat, bucket)
        except (RateLimitError, BadRequestError) as err:
            plan, steps = None, outcomes.refusal(err)
        else:
            if forced is not None:
                plan = replace(plan, outcome=forced)
            steps = outcomes.steps_for(engine, plan)
        if steps.before_output:
            if not await self._wait(steps.total, receive, plan, course_start):
                return None
            try:
                outcomes.settle(engine, plan, steps, clock.now() - course_start)
            except RateLimitError as err:
                raise _rate_limit_error(err, bucket) from None
            except BadRequestError as err:
                param = prompt_param if err.param in (None, "messages") else err.param
                raise APIError(400, str(err), param=param, code=err.code) from None
            except LLMError as err:
                raise APIError(err.status_code, str(err), type="server_error",
                               headers={"x-request-id": err.request_id or "", "x-should-retry": "true"}) from None
        assert plan is not None
        return plan, steps, bucket

    async def _handle(self, scope: dict[str, Any], receive: Receive, send: Send,
                      answering: list[bool]) -> None:
        state, engine = self.state, self.engine
        started = time.perf_counter()
        course_start = clock.now()
        incoming = await self._incoming(scope, receive)
        if incoming is None:
            return
        body, authorization, forced = incoming
        chat = parse_chat_request(body)
        decided = await self._decide(chat, authorization, forced, receive, course_start, "messages")
        if decided is None:
            return
        plan, steps, bucket = decided
        headers = [(b"x-request-id", plan.request_id.encode()), *_header_list(_ratelimit_headers(bucket))]
        if chat.stream:
            state.stats.statuses[200] += 1
            answering[0] = True  # from here on, failures cannot become an error response
            await self._stream(plan, steps, chat, headers, receive, send, course_start)
            return
        if not await self._wait(steps.first, receive, plan, course_start):
            return
        remaining = course_start + steps.total - clock.now()  # to the planned end (see llm.py)
        if remaining > 0:
            await clock.sleep(remaining)
        state.stats.statuses[200] += 1
        answering[0] = True
        if steps.error is not None:  # a cut: promise the whole body, deliver half, hang up
            await self._cut(plan, steps, headers, send, course_start)
            return
        latency = clock.now() - course_start
        # What engine.completion() records, without building a Completion nobody reads.
        engine.usage.record(latency, prompt_tokens=plan.prompt_tokens,
                            completion_tokens=plan.completion_tokens)
        await self._send_json(send, headers, _completion_body(plan, plan.completion_tokens), latency, started)

    async def _wait(self, course_seconds: float, receive: Receive, plan: CallPlan | None,
                    course_start: float) -> bool:
        """Wait before answering; ``False`` (call recorded as cancelled) if the client hung up.

        Only long waits (a hang) watch for the hang-up: the watcher costs two tasks per request.
        """
        if course_seconds <= 0:
            return True
        if plan is None or plan.outcome != "hang":
            await clock.sleep(course_seconds)
            return True
        if await _sleep_unless_gone(receive, course_seconds):
            return True
        self.state.stats.statuses[499] += 1  # nginx's "client closed request"
        outcomes.abandon(self.engine, plan, clock.now() - course_start, 0)
        return False

    async def _send_json(self, send: Send, headers: list[tuple[bytes, bytes]], payload: bytes,
                         latency: float, started: float) -> None:
        """A whole JSON answer (chat completion or response), with the course's timing headers."""
        headers = headers + [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(payload)).encode()),
            (b"x-course-latency", f"{latency:.4f}".encode()),
            (b"openai-processing-ms", str(round((time.perf_counter() - started) * 1000)).encode()),
        ]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": payload})

    async def _cut(self, plan: CallPlan, steps: outcomes.Steps, headers: list[tuple[bytes, bytes]],
                   send: Send, course_start: float, payload: bytes | None = None) -> None:
        """A cut: promise the whole body (``payload``, default the completion), deliver half, hang up."""
        if payload is None:
            payload = _completion_body(plan, plan.completion_tokens)
        try:
            outcomes.settle(self.engine, plan, steps, clock.now() - course_start)
        except LLMError:
            pass  # recorded; the client learns of it from the broken body
        self.state.stats.cut += 1
        await send({"type": "http.response.start", "status": 200, "headers": headers + [
            (b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]})
        await send({"type": "http.response.body", "body": payload[: len(payload) // 2], "more_body": True})

    async def _stream(self, plan: CallPlan, steps: outcomes.Steps, chat: ChatRequest,
                      headers: list[tuple[bytes, bytes]], receive: Receive, send: Send,
                      course_start: float) -> None:
        engine, stats = self.engine, self.state.stats
        stats.streams_open += 1
        # Paced streams watch for the client hanging up, so a dropped reader stops the work.
        pace = steps.gap > 0 or plan.outcome == "hang"
        watcher = asyncio.ensure_future(_wait_for_disconnect(receive)) if pace else None
        delivered = 0
        try:
            await send({"type": "http.response.start", "status": 200, "headers": headers + [
                (b"content-type", b"text/event-stream; charset=utf-8"),
                (b"cache-control", b"no-cache"), (b"x-accel-buffering", b"no")]})
            chunks = _ChunkWriter(plan, chat.include_usage)
            if steps.first > 0:
                if watcher is not None:
                    if not await _sleep_or_watch(watcher, steps.first):
                        outcomes.abandon(engine, plan, clock.now() - course_start, 0)
                        return
                else:
                    await clock.sleep(steps.first)
            pieces = plan.pieces if steps.emit else ()
            pending: list[bytes] = []
            for i in range(steps.emit):
                if watcher is not None and watcher.done():
                    outcomes.abandon(engine, plan, clock.now() - course_start, delivered)
                    return
                if i and steps.gap > 0:
                    await clock.sleep(steps.gap)
                pending.append(chunks.piece(pieces[i]))
                delivered += 1
                # With no per-token delay there is nothing to pace: one write, not hundreds.
                if pace:
                    await send({"type": "http.response.body", "body": b"".join(pending), "more_body": True})
                    pending.clear()
            if steps.tail > 0:
                await clock.sleep(steps.tail)
            if steps.error is not None:  # a cut: what was sent, then hang up without the end
                if pending:
                    await send({"type": "http.response.body", "body": b"".join(pending), "more_body": True})
                try:
                    outcomes.settle(engine, plan, steps, clock.now() - course_start)
                except LLMError:
                    pass
                stats.cut += 1
                return  # uvicorn closes the connection: the client sees the stream break
            if not steps.emit:  # nothing to say at all (max_tokens reached at once): still a role
                pending.append(chunks.piece(""))
            completion = engine.completion(plan, clock.now() - course_start)
            pending.append(chunks.finish(completion.completion_tokens))
            await send({"type": "http.response.body", "body": b"".join(pending), "more_body": False})
        except asyncio.CancelledError:
            outcomes.abandon(engine, plan, clock.now() - course_start, delivered)
            raise
        finally:
            stats.streams_open -= 1
            if watcher is not None:
                watcher.cancel()


async def _sleep_or_watch(watcher: "asyncio.Future[None]", course_seconds: float) -> bool:
    """Sleep unless ``watcher`` (the client's hang-up) finishes first; ``True`` if still there."""
    sleeper = asyncio.ensure_future(clock.sleep(course_seconds))
    await asyncio.wait({sleeper, watcher}, return_when=asyncio.FIRST_COMPLETED)
    if sleeper.done():
        return True
    sleeper.cancel()
    return False


class _ClientGone(Exception):
    """The client disconnected before sending its whole request."""


async def _send_error(send: Send, err: APIError) -> None:
    payload = _json_bytes({"error": {"message": err.message, "type": err.type, "param": err.param,
                                     "code": err.code}})
    headers = {"x-should-retry": "true" if err.status >= 500 or err.status == 429 else "false",
               **err.headers, "content-type": "application/json", "content-length": str(len(payload))}
    await send({"type": "http.response.start", "status": err.status, "headers": _header_list(headers)})
    await send({"type": "http.response.body", "body": payload})


def _completion_body(plan: CallPlan, completion_tokens: int) -> bytes:
    # Assembled by hand: only the text needs escaping, and json.dumps of the whole dict would
    # cost more than the rest of the request.
    if plan.tool_calls:
        content = b"null" if not plan.tokens else _json_str(plan.text)
        calls = b',"tool_calls":' + _json_bytes([c.to_dict() for c in plan.tool_calls])
    else:
        content, calls = _json_str(plan.text), b""
    return b"".join((
        b'{"id":"chatcmpl-', plan.request_id.encode(), b'","object":"chat.completion","created":',
        str(int(time.time())).encode(), b',"model":', _json_str(plan.model),
        b',"system_fingerprint":"', _FINGERPRINT.encode(),
        b'","choices":[{"index":0,"message":{"role":"assistant","content":', content,
        b',"refusal":null', calls, b'},"logprobs":null,"finish_reason":', _json_str(plan.finish_reason),
        b'}],"usage":{"prompt_tokens":', str(plan.prompt_tokens).encode(),
        b',"completion_tokens":', str(completion_tokens).encode(),
        b',"total_tokens":', str(plan.prompt_tokens + completion_tokens).encode(), b"}}",
    ))


class SimulatorApp(FastAPI):
    """FastAPI, with ``POST /v1/chat/completions`` answered by :class:`ChatCompletions` directly."""

    completions: ChatCompletions
    responses: ChatCompletions  # course_utils.responses_api.Responses, for POST /v1/responses

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["method"] == "POST":
            path = scope["path"]
            if path == "/v1/chat/completions":
                return await self.completions(scope, receive, send)
            if path == "/v1/responses":
                return await self.responses(scope, receive, send)
        await super().__call__(scope, receive, send)


def create_app(*, model: str | None = None, seed: int | None = None, faults: FaultPlan | None = None,
               rpm: float | None = None, tpm: float | None = None, burst: float | None = None,
               per_key: bool = False, max_body_bytes: int = MAX_BODY_BYTES,
               fault_header: bool = True, engine: LLMEngine | None = None,
               script: Sequence[Any] | None = None) -> SimulatorApp:
    """The FastAPI app serving one simulated model. Introduced in lesson 10.

    ``rpm``/``tpm``/``burst`` set token-bucket limits (course minutes); ``per_key=True`` gives
    every ``Authorization: Bearer`` key its own buckets, otherwise all callers share one set.
    ``faults`` decides failures exactly as for :class:`~course_utils.llm.SimulatedLLM`;
    ``script`` scripts given turns (:mod:`course_utils.scripting`).
    ``app.state.sim`` is the :class:`ServerState` (engine, buckets, counters).
    """
    engine = engine or LLMEngine(model=model, seed=seed, faults=faults, script=script)
    state = ServerState(engine, rpm=rpm, tpm=tpm, burst=burst, per_key=per_key,
                        max_body_bytes=max_body_bytes, fault_header=fault_header)
    app = SimulatorApp(title="course_utils simulated LLM", version="1", docs_url="/docs", redoc_url=None)
    app.completions = ChatCompletions(state)
    # Imported here: the Responses adapter builds on this module's ChatCompletions.
    from .responses_api import Responses
    app.responses = responses = Responses(state)
    app.state.sim = state
    _install_log_filter()

    @app.exception_handler(APIError)
    async def _api_error(request: Request, err: APIError) -> Response:
        return _json_error_response(err)

    @app.exception_handler(HTTPException)
    async def _http_error(request: Request, err: HTTPException) -> Response:
        where = f"{request.method} {request.url.path}"
        message = {404: f"Invalid URL ({where})",
                   405: f"Method Not Allowed ({where})"}.get(err.status_code, str(err.detail))
        return _json_error_response(APIError(err.status_code, message, headers=dict(err.headers or {})))

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, err: RequestValidationError) -> Response:
        # OpenAI answers bad parameters with 400 invalid_request_error, never FastAPI's 422.
        first = err.errors()[0] if err.errors() else {}
        param = ".".join(str(p) for p in first.get("loc", ())[1:]) or None
        return _json_error_response(APIError(400, str(first.get("msg", "Invalid request")), param=param))

    @app.exception_handler(Exception)
    async def _crash(request: Request, err: Exception) -> Response:
        return _json_error_response(APIError(500, "The server had an error while processing your "
                                                  "request.", type="server_error"))

    @app.get("/health")
    async def health() -> Response:
        return Response(_json_bytes({
            "status": "ok", "model": engine.default_model, "models": list(PRESETS),
            "seed": engine.seed, "time_scale": clock.time_scale()}), media_type="application/json")

    @app.get("/stats")
    async def stats() -> Response:
        return Response(_json_bytes({**state.stats.as_dict(), "usage": engine.usage.summary(),
                                     "time_scale": clock.time_scale()}),
                        media_type="application/json")

    def _model_card(name: str) -> dict[str, Any]:
        return {"id": name, "object": "model", "created": _CREATED, "owned_by": "course-simulator"}

    @app.get("/v1/models")
    async def list_models() -> Response:
        return Response(_json_bytes({"object": "list", "data": [_model_card(n) for n in PRESETS]}),
                        media_type="application/json")

    @app.get("/v1/models/{name:path}")
    async def get_model(name: str) -> Response:
        if name not in PRESETS:
            raise _model_not_found(name)
        return Response(_json_bytes(_model_card(name)), media_type="application/json")

    @app.post("/v1/responses")
    async def create_response() -> None:
        """Documented here; POSTs are answered by :class:`~course_utils.responses_api.Responses`."""

    @app.get("/v1/responses/{response_id}")
    async def get_response(response_id: str) -> Response:
        entry = responses.stored.get(response_id)
        if entry is None:
            raise _response_not_found(response_id)
        return Response(_json_bytes(entry[0]), media_type="application/json")

    @app.delete("/v1/responses/{response_id}")
    async def delete_response(response_id: str) -> Response:
        if responses.stored.pop(response_id, None) is None:
            raise _response_not_found(response_id)
        return Response(_json_bytes({"id": response_id, "object": "response.deleted",
                                     "deleted": True}), media_type="application/json")

    @app.post("/v1/chat/completions")
    async def chat_completions() -> None:
        """Documented here; POSTs never reach this route (see :class:`SimulatorApp`). Other
        methods on this path get FastAPI's 405, reshaped like OpenAI's errors."""

    return app


class _ChunkWriter:
    """Builds OpenAI ``chat.completion.chunk`` SSE lines; the fixed parts are encoded once.

    The first chunk carries ``role``; a tool call's first delta carries ``index``, ``id``,
    ``type``, ``function.name`` and ``arguments: ""``, later ones only argument fragments --
    exactly what the openai SDK's ``accumulate_delta`` expects (wire-facts.md, section 1).
    """

    def __init__(self, plan: CallPlan, include_usage: bool) -> None:
        self.plan = plan
        self.include_usage = include_usage
        head = {"id": f"chatcmpl-{plan.request_id}", "object": "chat.completion.chunk",
                "created": int(time.time()), "model": plan.model, "system_fingerprint": _FINGERPRINT}
        self._head = b"data: " + _json_bytes(head)[:-1] + b',"choices":[{"index":0,"delta":'
        self._tail = (b',"logprobs":null,"finish_reason":null}]'
                      + (b',"usage":null' if include_usage else b"") + b"}\n\n")
        self._head_dict = head
        self._started = False

    def piece(self, piece: "str | ToolCallDelta") -> bytes:
        if isinstance(piece, str):
            if self._started:
                return self._head + b'{"content":' + _json_str(piece) + b"}" + self._tail
            self._started = True  # OpenAI opens with an empty content delta carrying the role
            return (self._head + b'{"role":"assistant","content":"","refusal":null}' + self._tail
                    + (self._head + b'{"content":' + _json_str(piece) + b"}" + self._tail if piece else b""))
        if piece.id is not None:
            delta: dict[str, Any] = {"index": piece.index, "id": piece.id, "type": "function",
                                     "function": {"name": piece.name, "arguments": ""}}
        else:
            delta = {"index": piece.index, "function": {"arguments": piece.arguments}}
        body = b'"tool_calls":[' + _json_bytes(delta) + b"]}"
        if self._started:
            return self._head + b"{" + body + self._tail
        self._started = True
        return self._head + b'{"role":"assistant","content":null,"refusal":null,' + body + self._tail

    def finish(self, completion_tokens: int) -> bytes:
        plan = self.plan
        last: dict[str, Any] = {**self._head_dict, "choices": [
            {"index": 0, "delta": {}, "logprobs": None, "finish_reason": plan.finish_reason}]}
        if self.include_usage:
            last["usage"] = None
        out = [b"data: " + _json_bytes(last) + b"\n\n"]
        if self.include_usage:
            usage = {**self._head_dict, "choices": [], "usage": {
                "prompt_tokens": plan.prompt_tokens, "completion_tokens": completion_tokens,
                "total_tokens": plan.prompt_tokens + completion_tokens}}
            out.append(b"data: " + _json_bytes(usage) + b"\n\n")
        out.append(b"data: [DONE]\n\n")
        return b"".join(out)


def _model_not_found(name: str) -> APIError:
    return APIError(404, f"The model `{name[:100]}` does not exist or you do not have access to it.",
                    param="model", code="model_not_found")


def _response_not_found(response_id: str) -> APIError:
    return APIError(404, f"Response with id '{response_id[:100]}' not found.", param="response_id",
                    code=None)


def _too_large(size: int, limit: int, *, close: bool) -> APIError:
    return APIError(413, f"Request body too large: {size} bytes; the limit is {limit} bytes.",
                    code="request_too_large", headers={"connection": "close"} if close else None)


# --------------------------------------------------------------------------- command line


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m course_utils.server",
                                description="Serve the simulated LLM with OpenAI's Chat "
                                            "Completions and Responses APIs.")
    p.add_argument("--host", default=DEFAULT_HOST, help="address to bind (default: loopback only)")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help="port; 0 picks a free one")
    p.add_argument("--model", default=None, help=f"default model preset (default: COURSE_MODEL or {DEFAULT_MODEL})")
    p.add_argument("--seed", type=int, default=None, help="seed for texts, latencies and faults")
    p.add_argument("--time-scale", type=float, default=None,
                   help="real seconds per course second (default: COURSE_TIME_SCALE or 1.0)")
    limits = p.add_argument_group("rate limits (per course minute)")
    limits.add_argument("--rpm", type=float, default=None, help="requests per minute")
    limits.add_argument("--tpm", type=float, default=None, help="tokens per minute")
    limits.add_argument("--burst", type=float, default=None, help="request bucket size (default: rpm)")
    limits.add_argument("--per-key", action="store_true", help="one set of buckets per API key")
    faults = p.add_argument_group("faults")
    for name in ("error", "overloaded", "hang", "cut"):
        faults.add_argument(f"--{name}-rate", type=float, default=0.0, help=f"share of calls that {name}")
    faults.add_argument("--hang-seconds", type=float, default=None, help="how long a hang lasts (course s)")
    faults.add_argument("--fault-script", default="", help="comma-separated outcomes for the first calls")
    faults.add_argument("--no-fault-header", action="store_true", help="ignore x-course-fault headers")
    p.add_argument("--max-body-bytes", type=int, default=MAX_BODY_BYTES)
    p.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])
    p.add_argument("--access-log", action="store_true", help="log every request")
    p.add_argument("--exit-with-parent", action="store_true",
                   help="stop when the process that started this one goes away")
    return p


def uvicorn_config(app: Any, *, log_level: str = "info", access_log: bool = False) -> uvicorn.Config:
    """The uvicorn settings of the course server (``benchmarks/server.py`` reuses them)."""
    config = uvicorn.Config(app, log_level=log_level, access_log=access_log,
                            timeout_graceful_shutdown=3, timeout_keep_alive=30, backlog=2048,
                            lifespan="off")
    _install_log_filter()  # uvicorn.Config has just (re)configured logging
    return config


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    if os.name != "nt":  # on Windows SO_REUSEADDR would let two servers share a port
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m course_utils.server``: serve until Ctrl+C. Introduced in lesson 10."""
    args = _parser().parse_args(argv)
    if args.time_scale is not None:
        if not args.time_scale > 0:
            print("--time-scale must be positive", file=sys.stderr)
            return 2
        os.environ["COURSE_TIME_SCALE"] = repr(args.time_scale)
    script = [s.strip() for s in args.fault_script.split(",") if s.strip()]
    try:
        plan_kwargs: dict[str, Any] = {"script": script, "error_rate": args.error_rate,
                                       "overloaded_rate": args.overloaded_rate,
                                       "hang_rate": args.hang_rate, "cut_rate": args.cut_rate}
        if args.hang_seconds is not None:
            plan_kwargs["hang_seconds"] = args.hang_seconds
        app = create_app(model=args.model, seed=args.seed, faults=FaultPlan(**plan_kwargs),
                         rpm=args.rpm, tpm=args.tpm, burst=args.burst, per_key=args.per_key,
                         max_body_bytes=args.max_body_bytes, fault_header=not args.no_fault_header)
    except ValueError as error:  # unknown model, bad fault rate, bad COURSE_* value
        print(f"error: {error}", file=sys.stderr)
        return 2
    try:
        sock = bind(args.host, args.port)
    except OSError as error:
        print(f"error: cannot listen on {args.host}:{args.port} ({error}); try --port 0",
              file=sys.stderr)
        return 1
    bound_host, bound_port = sock.getsockname()[:2]
    shown = f"[{bound_host}]" if ":" in bound_host else bound_host
    url = f"http://{shown}:{bound_port}/v1"
    engine: LLMEngine = app.state.sim.engine
    config = uvicorn_config(app, log_level=args.log_level, access_log=args.access_log)

    def ready() -> None:
        # Printed only once the server accepts connections: serve() waits for this line.
        print(f"Serving {engine.default_model} (seed {engine.seed}, time scale "
              f"{clock.time_scale():g}) at {url}", flush=True)

    server = AnnouncingServer(config, on_ready=ready, watch_parent=args.exit_with_parent)
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()
    return 0


class AnnouncingServer(uvicorn.Server):
    """uvicorn's server, calling ``on_ready`` only once it accepts connections."""

    def __init__(self, config: uvicorn.Config, *, on_ready: Callable[[], None], watch_parent: bool) -> None:
        super().__init__(config)
        self._on_ready = on_ready
        self._watch_parent = watch_parent
        self._watcher: asyncio.Task[None] | None = None

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.started:
            self._on_ready()
            if self._watch_parent:
                self._watcher = asyncio.ensure_future(self._parent_watch())

    async def _parent_watch(self) -> None:
        # An orphaned server would hold its port until reboot; a crashed kernel is common.
        parent = os.getppid()
        while not self.should_exit:
            await asyncio.sleep(0.5)
            if os.getppid() != parent:
                self.should_exit = True


if __name__ == "__main__":
    sys.exit(main())
