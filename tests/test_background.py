"""course_utils.background: an ASGI app served on the running loop, and clean cancellation."""

from __future__ import annotations

import asyncio
import signal

import httpx
import pytest
from fastapi import FastAPI

from course_utils.background import BackgroundServer, ServerStartError, cancel_and_wait, serve_app


def make_app() -> FastAPI:
    app = FastAPI()

    @app.get("/ping")
    async def ping() -> dict[str, str]:
        return {"pong": "yes"}

    @app.get("/slow")
    async def slow() -> dict[str, bool]:
        await asyncio.sleep(0.2)
        return {"done": True}

    return app


async def test_serve_app_answers_on_a_free_port_and_stops():
    async with serve_app(make_app()) as url:
        assert url.startswith("http://127.0.0.1:")
        port = int(url.rsplit(":", 1)[1])
        assert port > 0
        async with httpx.AsyncClient(base_url=url, trust_env=False) as client:
            response = await client.get("/ping")
            assert response.json() == {"pong": "yes"}
    # Stopped: the port no longer accepts connections.
    async with httpx.AsyncClient(trust_env=False) as client:
        with pytest.raises(httpx.ConnectError):
            await client.get(f"{url}/ping")
    assert not [t for t in asyncio.all_tasks() if t.get_name() == "uvicorn-background"]


async def test_two_servers_get_two_ports_and_serve_concurrently():
    async with serve_app(make_app()) as a, serve_app(make_app()) as b:
        assert a != b
        async with httpx.AsyncClient(trust_env=False) as client:
            ra, rb = await asyncio.gather(client.get(f"{a}/slow"), client.get(f"{b}/slow"))
        assert ra.json() == rb.json() == {"done": True}


async def test_stop_lets_an_open_request_finish():
    server = BackgroundServer(make_app())
    url = await server.start()
    async with httpx.AsyncClient(trust_env=False) as client:
        request = asyncio.create_task(client.get(f"{url}/slow"))
        await asyncio.sleep(0.05)  # the request is in flight
        await server.stop()
        response = await request
    assert response.json() == {"done": True}
    await server.stop()  # twice is fine
    assert "stopped" in repr(server)


async def test_a_taken_port_raises_a_start_error_not_system_exit():
    async with serve_app(make_app()) as url:
        port = int(url.rsplit(":", 1)[1])
        with pytest.raises(ServerStartError):
            async with serve_app(make_app(), port=port):
                pass


async def test_serving_leaves_the_signal_handlers_alone():
    before = signal.getsignal(signal.SIGINT)
    async with serve_app(make_app()):
        assert signal.getsignal(signal.SIGINT) is before
    assert signal.getsignal(signal.SIGINT) is before


async def test_cancel_and_wait_runs_the_cleanup():
    cleaned = []

    async def heartbeat() -> None:
        try:
            while True:
                await asyncio.sleep(0.01)
        finally:
            cleaned.append(True)

    task = asyncio.create_task(heartbeat())
    await asyncio.sleep(0.02)
    await cancel_and_wait(task)
    assert task.cancelled() and cleaned == [True]
    await cancel_and_wait(task)  # already done: nothing happens


async def test_cancel_and_wait_reraises_a_failure():
    async def broken() -> None:
        raise ValueError("boom")

    task = asyncio.create_task(broken())
    await asyncio.sleep(0)
    with pytest.raises(ValueError):
        await cancel_and_wait(task)


async def test_cancel_and_wait_passes_on_the_callers_cancellation():
    async def stubborn() -> None:
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            await asyncio.sleep(0.2)  # slow cleanup
            raise

    inner = asyncio.create_task(stubborn())
    await asyncio.sleep(0)
    outer = asyncio.create_task(cancel_and_wait(inner))
    await asyncio.sleep(0.05)
    outer.cancel()  # cancel the waiter while the inner task is still cleaning up
    with pytest.raises(asyncio.CancelledError):
        await outer
    assert outer.cancelled()
    await asyncio.gather(inner, return_exceptions=True)
