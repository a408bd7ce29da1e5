"""The course server in this process: the openai SDK talks to the ASGI app with no socket.

Through :class:`course_utils.inprocess.InProcessTransport`, which streams the app's answer as
it is sent (pacing, cuts), so tests see what a socket would show. ``test_server.py`` keeps the
real subprocesses for what needs a network (SDK retries, lifecycle).
"""

from __future__ import annotations

import contextlib
from typing import Any, AsyncIterator

import httpx2
import openai

from course_utils.inprocess import InProcessTransport
from course_utils.server import create_app

BASE = "http://sim.local"


@contextlib.asynccontextmanager
async def sim_client(**app_options: Any) -> AsyncIterator[tuple[openai.AsyncOpenAI, httpx2.AsyncClient]]:
    """``(sdk, http)``: an ``AsyncOpenAI`` and a raw ``httpx2`` client bound to a fresh app."""
    app_options.setdefault("model", "sim-instant")
    app_options.setdefault("seed", 7)
    app = create_app(**app_options)
    transport = InProcessTransport(app)
    async with httpx2.AsyncClient(transport=transport, base_url=f"{BASE}/v1") as http:
        sdk = openai.AsyncOpenAI(base_url=f"{BASE}/v1", api_key="not-needed", http_client=http,
                                 max_retries=0)
        yield sdk, http
