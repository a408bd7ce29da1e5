"""Background work on the running event loop, started and stopped cleanly. Introduced in lesson 14.

::

    async with serve_app(app) as base_url:          # "http://127.0.0.1:PORT", a free port
        async with httpx.AsyncClient(base_url=base_url) as client:
            await client.post("/webhook", json=event)

    await cancel_and_wait(task)                     # cancel a background task, wait for its cleanup

:func:`serve_app` runs an ASGI app (FastAPI) with ``uvicorn.Server(config).serve()`` as a task
on *the caller's* loop: the way an agent service embeds its webhook endpoint next to its
workers, and the way a notebook can serve an app without blocking its cells. (The course's LLM
server, :mod:`course_utils.serving`, runs in a separate process instead; see lesson 10 for
why.) Three details the five-line version in lesson 14 glosses over are handled here:

* readiness is awaited (``server.started``), not guessed with a sleep, and a server that fails
  to start raises :class:`ServerStartError` instead of leaving a dead task behind;
* uvicorn reports a failed start with ``sys.exit()``; a ``SystemExit`` escaping a task would
  stop the caller's event loop (a notebook kernel's included), so it is turned into an error;
* ``Server.serve()`` normally takes over SIGINT/SIGTERM while it runs (it expects to own the
  process). Here it does not, so the notebook's interrupt button and a script's own
  ``loop.add_signal_handler`` keep working.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any, AsyncIterator, Generator

from .serving import ServerStartError

__all__ = ["BackgroundServer", "ServerStartError", "serve_app", "cancel_and_wait"]


def _uvicorn_server_class() -> type:
    import uvicorn

    class _NoSignalServer(uvicorn.Server):
        @contextlib.contextmanager
        def capture_signals(self) -> Generator[None, None, None]:
            # Leave SIGINT/SIGTERM to whoever owns the loop (the kernel, or the script).
            yield

    return _NoSignalServer


class BackgroundServer:
    """An ASGI app served by uvicorn as a task on the running loop. Introduced in lesson 14.

    ``await start()`` returns once the server accepts connections; ``await stop()`` asks it to
    finish (open requests complete first), waits for it, and is safe to call twice.
    """

    def __init__(self, app: Any, *, host: str = "127.0.0.1", port: int = 0,
                 log_level: str = "warning", startup_timeout: float = 30.0,
                 shutdown_timeout: float = 10.0, **config: Any) -> None:
        import uvicorn

        config.setdefault("access_log", False)
        config.setdefault("lifespan", "auto")
        self.config = uvicorn.Config(app, host=host, port=port, log_level=log_level, **config)
        self.server = _uvicorn_server_class()(self.config)
        self.startup_timeout = startup_timeout
        self.shutdown_timeout = shutdown_timeout
        self.task: asyncio.Task[None] | None = None
        self.port: int | None = None

    @property
    def url(self) -> str:
        """``http://host:port`` (no trailing slash) while the server runs."""
        if self.port is None:
            raise RuntimeError("the server is not running; await start() first")
        return f"http://{self.config.host}:{self.port}"

    async def _serve(self) -> None:
        try:
            await self.server.serve()
        except SystemExit as exc:  # uvicorn's way of saying "could not start"
            raise ServerStartError(
                f"uvicorn could not serve on {self.config.host}:{self.config.port} "
                f"(exit code {exc.code}); its log above says why") from None

    async def start(self) -> str:
        """Start serving; return the base URL once connections are accepted."""
        if self.task is not None:
            raise RuntimeError("this server was already started")
        self.task = asyncio.create_task(self._serve(), name="uvicorn-background")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.startup_timeout
        while not self.server.started:
            if self.task.done():
                self.task.result()  # raises the reason it stopped
                raise ServerStartError("the server stopped before it started")
            if loop.time() > deadline:
                await self.stop()
                raise ServerStartError(f"the server did not start within {self.startup_timeout:g} s")
            await asyncio.sleep(0.005)
        self.port = self.server.servers[0].sockets[0].getsockname()[1]
        return self.url

    async def stop(self) -> None:
        """Ask the server to exit, wait until it has (forcing it after ``shutdown_timeout``)."""
        task = self.task
        if task is None or task.done():
            self.port = None
            if task is not None and not task.cancelled():
                task.exception()  # retrieved, so asyncio does not log it as never retrieved
            return
        self.server.should_exit = True
        try:
            await asyncio.wait_for(asyncio.shield(task), self.shutdown_timeout)
        except TimeoutError:
            self.server.force_exit = True
            await cancel_and_wait(task)
        finally:
            self.port = None

    async def __aenter__(self) -> "BackgroundServer":
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def __repr__(self) -> str:
        state = f"serving on {self.url}" if self.port is not None else "stopped"
        return f"BackgroundServer({state})"


@contextlib.asynccontextmanager
async def serve_app(app: Any, *, host: str = "127.0.0.1", port: int = 0,
                    log_level: str = "warning", **config: Any) -> AsyncIterator[str]:
    """Serve ``app`` on the running loop for the ``async with`` block; yield its base URL.

    ``port=0`` picks a free port. Extra keyword arguments go to ``uvicorn.Config``.
    Introduced in lesson 14.
    """
    server = BackgroundServer(app, host=host, port=port, log_level=log_level, **config)
    await server.start()
    try:
        yield server.url
    finally:
        await server.stop()


async def cancel_and_wait(task: "asyncio.Task[Any]") -> None:
    """Cancel ``task`` and wait until it has finished its cleanup. Introduced in lesson 14.

    ``task.cancel()`` only *requests* cancellation; the task's ``finally`` blocks run at its next
    step. Awaiting it makes sure they have run. The task's own ``CancelledError`` is absorbed; a
    cancellation of the *caller* (while it waits) is passed on, and an exception the task raised
    before it could be cancelled is re-raised, so failures are not silently lost.
    """
    if task.done():
        if not task.cancelled():
            task.result()
        return
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        current = asyncio.current_task()
        if current is not None and current.cancelling():
            raise  # we are being cancelled too: do not swallow it
