"""The official ``openai`` SDK talking to the course's simulated model, in process (issue 10).

>>> client = openai_client(seed=7)            # an openai.AsyncOpenAI; no server, no sockets
>>> reply = await client.chat.completions.create(model="sim-fast", messages=[...], tools=[...])

Agent lessons use the real SDK (and real agent frameworks) with this client. Unless
``COURSE_LLM_BASE_URL`` is set, requests go straight into the ASGI app of
:mod:`course_utils.server` through :class:`InProcessTransport`: the same wire format, the same
faults and latencies (course seconds, ``COURSE_TIME_SCALE``), no port to open or leak. With
``COURSE_LLM_BASE_URL`` set, the client talks to that endpoint instead (simulator options are
then ignored, with a warning).

Why a transport of our own: openai 3.57 sends through ``httpx2``, whose ``ASGITransport``
collects the whole response before returning it -- a stream would arrive all at once after the
last token, and a connection cut mid-answer would be an ``AssertionError`` inside the
transport. :class:`InProcessTransport` hands each body part over as the app sends it, so TTFT
and per-token pacing are what the SDK sees, and a cut is the ``RemoteProtocolError`` a real
dropped connection raises.
"""

from __future__ import annotations

import asyncio
import contextlib
import warnings
from typing import Any, AsyncIterator

import httpx2

from .config import api_key, settings

_END = object()
_SIM_URL = "http://course-simulator/v1"


class _Body(httpx2.AsyncByteStream):
    def __init__(self, queue: "asyncio.Queue[Any]", task: "asyncio.Task[None]",
                 gone: asyncio.Event) -> None:
        self._queue, self._task, self._gone = queue, task, gone

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while True:
            item = await self._queue.get()
            if item is _END:
                raise httpx2.RemoteProtocolError(
                    "peer closed connection without sending complete message body")
            chunk, more = item
            if chunk:
                yield chunk
            if not more:
                return

    async def aclose(self) -> None:
        # The reader is done (or gave up): tell the app the client hung up, as a socket would.
        self._gone.set()
        if not self._task.done():
            await asyncio.sleep(0)
        if not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task


class InProcessTransport(httpx2.AsyncBaseTransport):
    """An ``httpx2`` transport that calls an ASGI app directly and streams its answer."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        body = b"".join([part async for part in request.stream])  # type: ignore[union-attr]
        scope = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
            "method": request.method, "scheme": request.url.scheme,
            "path": request.url.path, "raw_path": request.url.raw_path.split(b"?")[0],
            "query_string": request.url.query, "root_path": "",
            "headers": [(k.lower(), v) for k, v in request.headers.raw],
            "server": (request.url.host, request.url.port or 80), "client": ("127.0.0.1", 0),
        }
        loop = asyncio.get_running_loop()
        start: asyncio.Future[dict[str, Any]] = loop.create_future()
        queue: asyncio.Queue[Any] = asyncio.Queue()
        gone = asyncio.Event()
        sent = False

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            await gone.wait()
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                start.set_result(message)
            elif message["type"] == "http.response.body":
                queue.put_nowait((message.get("body", b""), message.get("more_body", False)))

        async def run() -> None:
            try:
                await self.app(scope, receive, send)
            except Exception as error:
                if not start.done():
                    start.set_exception(error)
            finally:
                if not start.done():
                    start.set_exception(httpx2.RemoteProtocolError("the server sent no response"))
                queue.put_nowait(_END)  # after a complete body this is never read

        # Named, so a Timeline shows the model working (an agent turn's model wait) as "model".
        task = loop.create_task(run(), name="model")
        try:
            message = await start
        except BaseException:
            gone.set()
            task.cancel()
            raise
        return httpx2.Response(message["status"], headers=message.get("headers", []),
                               stream=_Body(queue, task, gone), request=request)


def openai_client(model: str | None = None, *, app: Any = None, max_retries: int = 2,
                  **sim_options: Any) -> Any:
    """An ``openai.AsyncOpenAI`` for the course's simulated model (or ``COURSE_LLM_BASE_URL``).

    ``sim_options`` go to :func:`course_utils.server.create_app` (``seed``, ``faults``,
    ``script``, ``rpm``, ``tpm``, ...); ``model`` is the app's default model. Pass ``app`` to
    share one simulated server (its usage, its buckets) between several clients;
    ``client.course_app`` is the app used. ``max_retries`` is the SDK's own (default 2).
    """
    import openai

    cfg = settings()
    if cfg.uses_real_provider:
        ignored = sorted(k for k, v in sim_options.items() if v is not None)
        if ignored or app is not None:
            warnings.warn(f"{', '.join(ignored) or 'app'} only apply to the simulator and are ignored "
                          "with a real endpoint (COURSE_LLM_BASE_URL is set)", stacklevel=2)
        return openai.AsyncOpenAI(base_url=cfg.llm_base_url, api_key=api_key() or "not-needed",
                                  max_retries=max_retries)
    if app is None:
        from .server import create_app

        app = create_app(model=model, **sim_options)
    http = httpx2.AsyncClient(transport=InProcessTransport(app), base_url=_SIM_URL)
    client = openai.AsyncOpenAI(base_url=_SIM_URL, api_key="course-simulator", http_client=http,
                                max_retries=max_retries)
    client.course_app = app  # type: ignore[attr-defined]
    return client
