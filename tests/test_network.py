"""NetworkDistance (lesson 10): counts connections and charges a handshake per new one."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from course_utils import clock
from course_utils.network import HANDSHAKE_ROUND_TRIPS, ROUND_TRIP, NetworkDistance


async def _answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """A tiny keep-alive HTTP/1.1 server: 200 "ok" to every request on the connection."""
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            if length:
                await reader.readexactly(length)
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok")
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionResetError):
        pass
    finally:
        writer.close()


@pytest.fixture
async def url():
    server = await asyncio.start_server(_answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    server.close()
    await server.wait_closed()


def test_defaults():
    net = NetworkDistance()
    assert net.handshake == pytest.approx(ROUND_TRIP * HANDSHAKE_ROUND_TRIPS)
    assert (net.connections, net.requests) == (0, 0)
    with pytest.raises(ValueError):
        NetworkDistance(round_trip=-1)


async def test_a_shared_client_opens_one_connection(url):
    net = NetworkDistance()
    async with httpx.AsyncClient(event_hooks=net.event_hooks) as client:
        for _ in range(4):
            assert (await client.get(url)).text == "ok"
    assert (net.connections, net.requests) == (1, 4)


async def test_a_client_per_call_opens_one_each_and_pays_the_handshake(url):
    net = NetworkDistance(round_trip=0.2, handshake_round_trips=2)
    start = clock.now()
    for _ in range(3):
        async with httpx.AsyncClient(event_hooks=net.event_hooks) as client:
            await client.get(url)
    elapsed = clock.now() - start
    assert (net.connections, net.requests) == (3, 3)
    assert elapsed >= 3 * net.handshake * 0.95  # three handshakes of 0.4 course s


async def test_an_existing_trace_extension_still_runs(url):
    seen: list[str] = []

    async def trace(event: str, info: dict) -> None:
        seen.append(event)

    net = NetworkDistance(round_trip=0.0)
    async with httpx.AsyncClient(event_hooks=net.event_hooks) as client:
        await client.get(url, extensions={"trace": trace})
    assert "connection.connect_tcp.complete" in seen and net.connections == 1


async def test_sync_clients_too(url):
    net = NetworkDistance(round_trip=0.0)

    def fetch_twice() -> None:
        with httpx.Client(event_hooks=net.sync_event_hooks) as client:
            client.get(url)
            client.get(url)

    await asyncio.to_thread(fetch_twice)
    assert (net.connections, net.requests) == (1, 2)
    net.reset()
    assert (net.connections, net.requests) == (0, 0)
