"""The course's LLM client, simulated or real, behind one interface (introduced in lesson 01).

>>> llm = connect()                  # SimulatedLLM unless COURSE_LLM_BASE_URL is set
>>> answer = await llm.complete("Summarize: ...")

Set ``COURSE_LLM_BASE_URL`` (e.g. ``http://localhost:11434/v1`` for Ollama), ``COURSE_MODEL``
and, if the endpoint needs one, ``COURSE_LLM_API_KEY``, and the very same lesson code talks to
a real OpenAI-compatible endpoint through :class:`OpenAICompatibleLLM` instead (lesson 01 tries
the switch against the course's own server). Its answers are :class:`~course_utils.llm.Completion` objects with latencies
in course seconds, and its failures are the course's own exceptions
(:class:`~course_utils.faults.RateLimitError` with ``retry_after`` in course seconds,
:class:`~course_utils.faults.ServerError`, :class:`~course_utils.faults.StreamInterrupted`,
:class:`~course_utils.faults.BadRequestError`), so retry code written against the simulator
works unchanged.

The key is read from the environment when the client is built and handed straight to the
``openai`` SDK's client; it is never a parameter, never part of a ``repr``, and scrubbed from
every error message (errors are raised without the SDK exception chained, as that one carries
the request and its headers).
"""

from __future__ import annotations

import json
import math
import warnings
from typing import Any, AsyncIterator, Iterator, Mapping
from urllib.parse import urlsplit, urlunsplit

from . import clock
from .config import api_key, settings
from .faults import BadRequestError, LLMError, RateLimitError, ServerError, StreamInterrupted
from .llm import (_PLAN_OPTIONS, Completion, Prompt, SimulatedLLM, SimulatedLLMSync, TokenStream,
                  ToolCall, ToolCallDelta, check_max_tokens, normalize_messages, prompt_token_count,
                  read_response_format, record_failure)
from .metrics import Metrics
from .textgen import count_tokens

#: The openai SDK's own timeout, in real seconds. Generous on purpose: lessons put their own
#: ``asyncio.timeout`` around calls, exactly as with the simulator, and that should win.
DEFAULT_TIMEOUT = 600.0
#: What an endpoint's 429 without a ``retry-after`` header is taken to ask for (course seconds).
DEFAULT_RETRY_AFTER = 1.0
#: Used when the endpoint needs no key (Ollama, the course's own server).
NO_KEY = "not-needed"
_HTTP_OPTIONS = ("max_retries", "timeout", "default_headers")


# --------------------------------------------------------------------------- error mapping


def _scrub(text: str) -> str:
    key = api_key()
    return text.replace(key, "***") if key else text


def _safe_url(url: str) -> str:
    """The URL without any ``user:password@`` part, for reprs and messages."""
    parts = urlsplit(url)
    if parts.username or parts.password:
        host = parts.hostname or ""
        netloc = f"{host}:{parts.port}" if parts.port else host
        return urlunsplit(parts._replace(netloc=netloc))
    return url


def _retry_after(headers: Mapping[str, str]) -> float:
    """Course seconds to wait, from the wall-clock ``retry-after-ms`` / ``retry-after`` headers."""
    for name, divisor in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        raw = headers.get(name)
        if raw is None:
            continue
        try:
            real = float(raw) / divisor
        except ValueError:
            continue  # an HTTP date: rare from LLM APIs, not worth parsing here
        if math.isfinite(real) and real >= 0:
            return clock.to_course(real)
    if headers.get("x-should-retry") == "false":
        return float("inf")  # the request can never fit, as the simulator says too
    return DEFAULT_RETRY_AFTER


def _message(error: Any) -> str:
    body = getattr(error, "body", None)
    if isinstance(body, Mapping):
        inner = body.get("error", body)
        if isinstance(inner, Mapping) and isinstance(inner.get("message"), str):
            return _scrub(inner["message"])
    return _scrub(str(getattr(error, "message", None) or error))


def map_error(error: BaseException, *, tokens_received: int | None = None) -> BaseException:
    """The course exception for an ``openai`` SDK exception (anything else comes back as is).

    ``tokens_received`` is set while a stream is being read: a connection lost then is a
    :class:`StreamInterrupted`, as in the simulator. Introduced in lesson 01.
    """
    import openai

    request_id = None
    response = getattr(error, "response", None)
    headers: Mapping[str, str] = response.headers if response is not None else {}
    if headers:
        request_id = headers.get("x-request-id")
    if isinstance(error, openai.APITimeoutError):
        return TimeoutError(f"the LLM endpoint did not answer in time ({_message(error)})")
    if isinstance(error, openai.APIConnectionError):
        cause = error.__cause__
        # A protocol error means the endpoint answered and then the connection broke mid-body:
        # the simulator calls that a cut, even for a call that was not streamed.
        if tokens_received is not None or type(cause).__name__ == "RemoteProtocolError":
            received = tokens_received or 0
            return StreamInterrupted(f"Connection lost after {received} tokens",
                                     tokens_received=received, request_id=request_id)
        detail = _scrub(f"{type(cause).__name__}: {cause}") if cause else _message(error)
        return ServerError(f"Could not reach the LLM endpoint ({detail})", status_code=502)
    if isinstance(error, openai.RateLimitError):
        message = _message(error)
        limit = "tokens" if "token" in message.lower() else "requests"
        return RateLimitError(message, retry_after=_retry_after(headers), limit=limit,
                              request_id=request_id)
    if isinstance(error, openai.APIStatusError):
        status = error.status_code
        message = f"{_message(error)} ({status})"
        if status >= 500 or status in (408, 409):
            return ServerError(message, status_code=status, request_id=request_id)
        bad = BadRequestError(message, request_id=request_id)
        bad.status_code = status  # 401, 403, 404, 422...: wrong request, retrying will not help
        return bad
    if isinstance(error, openai.APIError):
        # An error event inside a stream (the body said "error" after a 200).
        return ServerError(_message(error), request_id=request_id)
    return error


# --------------------------------------------------------------------------- clients


class _RealBase:
    def __init__(self, model: str | None = None, *, base_url: str | None = None,
                 max_retries: int = 0, timeout: float = DEFAULT_TIMEOUT,
                 default_headers: Mapping[str, str] | None = None, stream_usage: bool = True) -> None:
        cfg = settings()
        url = base_url or cfg.llm_base_url
        if not url:
            raise ValueError("no endpoint: set COURSE_LLM_BASE_URL or pass base_url")
        self.base_url = url.rstrip("/")
        self._model = model or cfg.model
        self._seed = cfg.seed
        self.stream_usage = stream_usage
        self.usage = Metrics()
        # max_retries=0 by default: like the simulator, failures reach the lesson's own code.
        self._client_options = {"base_url": self.base_url, "max_retries": max_retries,
                                "timeout": timeout, "default_headers": dict(default_headers or {})}

    @property
    def model(self) -> str:
        return self._model

    @property
    def seed(self) -> int:
        return self._seed

    def _request(self, prompt: Prompt, system: str | None, model: str | None,
                 max_tokens: int | None, **agent_options: Any) -> tuple[dict[str, Any], int]:
        try:
            unknown = set(agent_options) - _PLAN_OPTIONS
            if unknown:
                raise TypeError(f"unexpected keyword argument {sorted(unknown)[0]!r}; accepted: "
                                f"{', '.join(sorted(_PLAN_OPTIONS))}")
            messages = normalize_messages(prompt, system)
            check_max_tokens(max_tokens)
            read_response_format(agent_options.get("response_format"))
        except BadRequestError as error:
            # Refused before it left: counted like the simulator counts its refusals.
            record_failure(self.usage, error, 0.0)
            raise
        request: dict[str, Any] = {"model": model or self._model, "messages": messages}
        if max_tokens is not None:
            request["max_tokens"] = max_tokens
        # tools, tool_choice, parallel_tool_calls, response_format, stop, seed: passed on as given
        # (the same OpenAI shapes the simulator reads), so agent code works against both.
        request.update({k: v for k, v in agent_options.items() if v is not None})
        return request, prompt_token_count(messages)

    def _record_answer(self, usage: Any, prompt_tokens: int, text: str, latency: float) -> tuple[int, int]:
        """Count a finished answer: the endpoint's own usage if it sent one, else our estimate."""
        prompt = usage.prompt_tokens if usage else prompt_tokens
        produced = usage.completion_tokens if usage else count_tokens(text)
        self.usage.record(latency, prompt_tokens=prompt, completion_tokens=produced)
        return prompt, produced

    def _completion(self, response: Any, prompt_tokens: int, latency: float,
                    json_output: bool = False) -> Completion:
        choice = response.choices[0]
        text = (choice.message.content or "").strip()  # the simulator's texts are stripped too
        prompt, produced = self._record_answer(getattr(response, "usage", None), prompt_tokens,
                                               text, latency)
        calls = tuple(ToolCall(c.id, c.function.name, c.function.arguments or "")
                      for c in (choice.message.tool_calls or ()) if getattr(c, "function", None))
        return Completion(text=text, model=response.model or self._model, prompt_tokens=prompt,
                          completion_tokens=produced,
                          request_id=getattr(response, "_request_id", None) or response.id,
                          latency=latency, finish_reason=choice.finish_reason or "stop",
                          tool_calls=calls, parsed=_json_or_none(text) if json_output else None)

    def _fail(self, error: BaseException, start: float, prompt_tokens: int,
              tokens_received: int | None = None) -> BaseException:
        mapped = map_error(error, tokens_received=tokens_received)
        if isinstance(mapped, (LLMError, TimeoutError)):
            record_failure(self.usage, mapped, clock.now() - start, prompt_tokens)
        return mapped

    def __repr__(self) -> str:
        return f"{type(self).__name__}(model={self._model!r}, base_url={_safe_url(self.base_url)!r})"


class OpenAICompatibleLLM(_RealBase):
    """A real OpenAI-compatible endpoint with :class:`~course_utils.llm.SimulatedLLM`'s interface.

    Introduced in lesson 01. ``max_retries`` is the SDK's own retry count (0: lessons retry).
    """

    def __init__(self, model: str | None = None, **options: Any) -> None:
        import openai

        super().__init__(model, **options)
        self._client = openai.AsyncOpenAI(api_key=api_key() or NO_KEY, **self._client_options)

    async def complete(self, prompt: Prompt, *, system: str | None = None, model: str | None = None,
                       max_tokens: int | None = None, **agent_options: Any) -> Completion:
        """Answer a prompt (a string or chat messages) in one piece."""
        request, prompt_tokens = self._request(prompt, system, model, max_tokens, **agent_options)
        start = clock.now()
        try:
            response = await self._client.chat.completions.create(**request)
        except Exception as error:
            raise self._fail(error, start, prompt_tokens) from None  # no chain: it holds the request
        return self._completion(response, prompt_tokens, clock.now() - start,
                                json_output=bool(agent_options.get("response_format")))

    def stream(self, prompt: Prompt, *, system: str | None = None, model: str | None = None,
               max_tokens: int | None = None, **agent_options: Any) -> "RealTokenStream":
        """Answer token by token: ``async for token in llm.stream(prompt): ...``."""
        return RealTokenStream(self, prompt, system=system, model=model, max_tokens=max_tokens,
                               **agent_options)

    async def aclose(self) -> None:
        await self._client.close()

    async def __aenter__(self) -> "OpenAICompatibleLLM":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


class RealTokenStream(TokenStream):
    """The real endpoint's twin of :class:`~course_utils.llm.TokenStream`: same interface.

    Yields text pieces; afterwards ``text``, ``tokens``, ``ttft`` and ``completion`` are set.
    """

    async def _run(self) -> AsyncIterator[str | ToolCallDelta]:
        client = self._client
        request, prompt_tokens = client._request(self._prompt, **self._options)
        if client.stream_usage:
            request["stream_options"] = {"include_usage": True}
        start = clock.now()
        try:
            stream = await client._client.chat.completions.create(stream=True, **request)
        except Exception as error:
            raise client._fail(error, start, prompt_tokens) from None
        usage = None
        model = request["model"]
        finish = "stop"
        self.request_id = stream.response.headers.get("x-request-id")
        try:
            async with stream:
                async for chunk in stream:
                    self.request_id = self.request_id or getattr(chunk, "id", None)
                    model = getattr(chunk, "model", None) or model
                    if getattr(chunk, "usage", None) is not None:
                        usage = chunk.usage
                    for choice in chunk.choices or ():
                        if choice.finish_reason:
                            finish = choice.finish_reason
                        for delta in _tool_deltas(choice.delta):
                            if self.ttft is None:
                                self.ttft = clock.now() - start
                            self.tool_call_deltas.append(delta)
                            yield delta
                        piece = choice.delta.content if choice.delta else None
                        if piece:
                            if self.ttft is None:
                                self.ttft = clock.now() - start
                            self.tokens.append(piece)
                            yield piece
        except Exception as error:
            raise client._fail(error, start, prompt_tokens, tokens_received=len(self.tokens)) from None
        latency = clock.now() - start
        text = "".join(self.tokens)
        prompt, produced = client._record_answer(usage, prompt_tokens, text, latency)
        self.completion = Completion(text=text.strip(), model=model, prompt_tokens=prompt,
                                     completion_tokens=produced,
                                     request_id=self.request_id or "", latency=latency,
                                     finish_reason=finish,
                                     tool_calls=_assemble(self.tool_call_deltas),
                                     parsed=_json_or_none(text) if self._options.get("response_format") else None)


def _tool_deltas(delta: Any) -> list[ToolCallDelta]:
    out = []
    for tc in (getattr(delta, "tool_calls", None) or ()) if delta is not None else ():
        fn = getattr(tc, "function", None)
        out.append(ToolCallDelta(tc.index, tc.id, getattr(fn, "name", None),
                                 getattr(fn, "arguments", None) or ""))
    return out


def _assemble(deltas: list[ToolCallDelta]) -> tuple[ToolCall, ...]:
    """Tool calls from streamed deltas, the way the openai SDK merges them (by index)."""
    calls: dict[int, list[str]] = {}
    for d in deltas:
        entry = calls.setdefault(d.index, ["", "", ""])
        entry[0] = d.id or entry[0]
        entry[1] = d.name or entry[1]
        entry[2] += d.arguments
    return tuple(ToolCall(i, n, a) for i, n, a in calls.values())


def _json_or_none(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


class OpenAICompatibleLLMSync(_RealBase):
    """The blocking twin of :class:`OpenAICompatibleLLM` (like ``SimulatedLLMSync``).

    Introduced in lesson 01, alongside :func:`connect_sync`.
    """

    def __init__(self, model: str | None = None, **options: Any) -> None:
        import openai

        super().__init__(model, **options)
        self._client = openai.OpenAI(api_key=api_key() or NO_KEY, **self._client_options)

    def complete(self, prompt: Prompt, *, system: str | None = None, model: str | None = None,
                 max_tokens: int | None = None, **agent_options: Any) -> Completion:
        request, prompt_tokens = self._request(prompt, system, model, max_tokens, **agent_options)
        start = clock.now()
        try:
            response = self._client.chat.completions.create(**request)
        except Exception as error:
            raise self._fail(error, start, prompt_tokens) from None
        return self._completion(response, prompt_tokens, clock.now() - start,
                                json_output=bool(agent_options.get("response_format")))

    def stream(self, prompt: Prompt, *, system: str | None = None, model: str | None = None,
               max_tokens: int | None = None, **agent_options: Any) -> Iterator[str]:
        """Yield text pieces as they arrive (blocking)."""
        request, prompt_tokens = self._request(prompt, system, model, max_tokens, **agent_options)
        if self.stream_usage:
            request["stream_options"] = {"include_usage": True}
        start = clock.now()
        try:
            stream = self._client.chat.completions.create(stream=True, **request)
        except Exception as error:
            raise self._fail(error, start, prompt_tokens) from None
        received: list[str] = []
        usage = None
        try:
            with stream:
                for chunk in stream:
                    if getattr(chunk, "usage", None) is not None:
                        usage = chunk.usage
                    for choice in chunk.choices or ():
                        piece = choice.delta.content if choice.delta else None
                        if piece:
                            received.append(piece)
                            yield piece
        except Exception as error:
            raise self._fail(error, start, prompt_tokens, tokens_received=len(received)) from None
        self._record_answer(usage, prompt_tokens, "".join(received), clock.now() - start)

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> "OpenAICompatibleLLMSync":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# --------------------------------------------------------------------------- the switch


def _split(options: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    http = {k: options.pop(k) for k in _HTTP_OPTIONS if k in options}
    return http, options


def _warn_ignored(sim_options: dict[str, Any]) -> None:
    ignored = sorted(k for k, v in sim_options.items() if v is not None and v is not False)
    if ignored:
        warnings.warn(f"{', '.join(ignored)} only apply to the simulator and are ignored with "
                      "a real endpoint (COURSE_LLM_BASE_URL is set)", stacklevel=3)


def connect(model: str | None = None, **options: Any) -> SimulatedLLM | OpenAICompatibleLLM:
    """The course's async LLM client. Introduced in lesson 01.

    A :class:`~course_utils.llm.SimulatedLLM` (``options``: ``seed``, ``faults``,
    ``rate_limits``, ``blocking``) unless ``COURSE_LLM_BASE_URL`` is set, in which case an
    :class:`OpenAICompatibleLLM` for that endpoint (``options``: ``max_retries``, ``timeout``,
    ``default_headers``; simulator options are ignored with a warning).
    """
    http, sim = _split(dict(options))
    if settings().uses_real_provider:
        _warn_ignored(sim)
        return OpenAICompatibleLLM(model, **http)
    return SimulatedLLM(model, **sim)


def connect_sync(model: str | None = None, **options: Any) -> SimulatedLLMSync | OpenAICompatibleLLMSync:
    """The blocking twin of :func:`connect`. Introduced in lesson 01."""
    http, sim = _split(dict(options))
    if settings().uses_real_provider:
        _warn_ignored(sim)
        return OpenAICompatibleLLMSync(model, **http)
    sim.pop("blocking", None)
    return SimulatedLLMSync(model, **sim)
