"""The course's MCP server (course_utils/mcp_server.py, lesson 22): one real stdio round trip.

Starts ``python -m course_utils.mcp_server`` as the lesson does, lists its tools, runs calls
concurrently through one session (they overlap), sees an error result, and shuts down cleanly.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile

import pytest

mcp = pytest.importorskip("mcp")
from mcp import ClientSession, StdioServerParameters  # noqa: E402
from mcp.client.stdio import stdio_client  # noqa: E402

from course_utils import tools  # noqa: E402


def _servers_of_this_process() -> list[int]:
    """Our child processes running the course's MCP server (read from /proc)."""
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/cmdline", "rb") as f:
                cmdline = f.read()
            with open(f"/proc/{entry.name}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if b"course_utils.mcp_server" in cmdline and ppid == os.getpid():
            found.append(int(entry.name))
    return found


async def test_stdio_round_trip_concurrent_calls_and_clean_shutdown():
    env = dict(os.environ, COURSE_TIME_SCALE="0.2")
    server = StdioServerParameters(command=sys.executable, args=["-m", "course_utils.mcp_server"], env=env)
    loop = asyncio.get_running_loop()
    cities = ["Oslo", "Lima", "Paris", "Tokyo"]
    with tempfile.TemporaryFile("w+") as log:
        async with stdio_client(server, errlog=log) as (read, write):
            async with ClientSession(read, write) as session:
                await session.initialize()
                listed = await session.list_tools()
                names = {t.name for t in listed.tools}
                assert names == {"get_weather", "get_grades", "get_attendance", "search_web"}
                weather = next(t for t in listed.tools if t.name == "get_weather")
                assert weather.input_schema["required"] == ["city"]

                start = loop.time()
                for city in cities:
                    await session.call_tool("get_weather", {"city": city})
                sequential = loop.time() - start
                start = loop.time()
                results = await asyncio.gather(*(session.call_tool("get_weather", {"city": c}) for c in cities))
                concurrent = loop.time() - start

                broken = await session.call_tool("get_grades", {"student_id": "three"})
                running = _servers_of_this_process() if os.path.isdir("/proc") else None
    if running is not None:  # the server ran as our child, and is gone once the session closed
        assert len(running) == 1, running
        assert _servers_of_this_process() == [], "the MCP server process outlived its session"
    # The server slept each tool's latency scaled by the COURSE_TIME_SCALE we passed it.
    expected_sum = sum(tools.latency_of("get_weather", c) for c in cities) * 0.2
    assert sequential >= 0.9 * expected_sum, "the server waited its tools' latencies"
    assert concurrent < 0.6 * sequential, (sequential, concurrent)
    assert all(not r.is_error and "temperature_c" in r.content[0].text for r in results)
    assert broken.is_error and "validation error" in broken.content[0].text
