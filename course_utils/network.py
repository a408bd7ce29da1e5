"""Put the network back between your agent and the local server (introduced in lesson 10).

The course's server runs on your own machine, so opening a connection to it costs next to
nothing. Opening one to a real provider costs round trips before the first byte of your request
leaves: one for TCP's handshake and one for TLS 1.3's (two with TLS 1.2). Reusing a connection
skips them, which is what lesson 10 measures.

:class:`NetworkDistance` adds that handshake, in course seconds, each time httpx opens a new
connection, and counts the connections::

    net = NetworkDistance()
    async with httpx.AsyncClient(event_hooks=net.event_hooks) as client:
        ...
    net.connections      # TCP connections opened
    net.requests         # requests sent

It uses httpx's public hooks only: a ``request`` event hook attaches httpcore's ``trace``
extension, whose ``connection.connect_tcp.complete`` event fires once per new connection.
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable

from . import clock

__all__ = ["NetworkDistance", "ROUND_TRIP", "HANDSHAKE_ROUND_TRIPS"]

#: Course seconds for one round trip to a provider in another region (same region: ~0.02).
ROUND_TRIP = 0.1
#: Round trips a new HTTPS connection costs before the request: TCP (1) + TLS 1.3 (1).
HANDSHAKE_ROUND_TRIPS = 2

_NEW_CONNECTION = "connection.connect_tcp.complete"


class NetworkDistance:
    """Charge a handshake for every new connection, and count connections and requests.

    Pass ``event_hooks`` to ``httpx.AsyncClient`` (or ``sync_event_hooks`` to ``httpx.Client``).
    ``round_trip`` is in course seconds. Introduced in lesson 10.
    """

    def __init__(self, round_trip: float = ROUND_TRIP,
                 handshake_round_trips: int = HANDSHAKE_ROUND_TRIPS) -> None:
        if round_trip < 0 or handshake_round_trips < 0:
            raise ValueError("round_trip and handshake_round_trips must not be negative")
        self.round_trip = round_trip
        self.handshake_round_trips = handshake_round_trips
        self.connections = 0
        self.requests = 0

    @property
    def handshake(self) -> float:
        """Course seconds a new connection costs before the request can go out."""
        return self.round_trip * self.handshake_round_trips

    def reset(self) -> None:
        self.connections = 0
        self.requests = 0

    # -- async clients ------------------------------------------------------------------

    @property
    def event_hooks(self) -> dict[str, list[Callable[[Any], Awaitable[None]]]]:
        """For ``httpx.AsyncClient(event_hooks=...)``."""
        return {"request": [self._on_request]}

    async def _on_request(self, request: Any) -> None:
        self.requests += 1
        request.extensions["trace"] = self._chain(request.extensions.get("trace"))

    def _chain(self, previous: Any) -> Callable[[str, dict], Awaitable[None]]:
        async def trace(event: str, info: dict) -> None:
            if event == _NEW_CONNECTION:
                self.connections += 1
                await clock.sleep(self.handshake)
            if previous is not None:
                await previous(event, info)

        return trace

    # -- sync clients -------------------------------------------------------------------

    @property
    def sync_event_hooks(self) -> dict[str, list[Callable[[Any], None]]]:
        """For ``httpx.Client(event_hooks=...)``."""
        return {"request": [self._on_request_sync]}

    def _on_request_sync(self, request: Any) -> None:
        self.requests += 1
        previous = request.extensions.get("trace")

        def trace(event: str, info: dict) -> None:
            if event == _NEW_CONNECTION:
                self.connections += 1
                clock.sleep_blocking(self.handshake)
            if previous is not None:
                previous(event, info)

        request.extensions["trace"] = trace

    def __repr__(self) -> str:
        return (f"NetworkDistance(round_trip={self.round_trip:g} s, {self.connections} connections, "
                f"{self.requests} requests)")
