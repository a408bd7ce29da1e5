"""The course's MCP tool server: four course tools behind the Model Context Protocol (lesson 22).

Run it with ``python -m course_utils.mcp_server``: it speaks MCP over stdio (newline-delimited
JSON-RPC on stdin/stdout), so an MCP client starts it as a subprocess. Written with the official
SDK, ``mcp`` 2.3.0 (``MCPServer`` is v2's name for v1's ``FastMCP``).

The tools are ``async def``, so the server's event loop runs several calls at once. (v2 runs a
plain ``def`` tool in a worker thread, v1 ran it on the loop itself, one call at a time.) Each
tool waits the course's seeded latency, scaled by ``COURSE_TIME_SCALE`` from the environment the
client passes in. Nothing may be printed to stdout: that is the protocol's channel.
"""

from __future__ import annotations

from mcp.server.mcpserver import MCPServer

from course_utils import tools

server = MCPServer("course-tools")


@server.tool()
async def get_weather(city: str) -> dict:
    """Current weather for a city."""
    return await tools.get_weather(city)


@server.tool()
async def get_grades(student_id: int) -> dict:
    """Grades per course for one student."""
    return await tools.get_grades(student_id)


@server.tool()
async def get_attendance(student_id: int) -> dict:
    """Sessions attended out of 100 for one student."""
    return await tools.get_attendance(student_id)


@server.tool()
async def search_web(query: str, results: int = 3) -> list[dict]:
    """Search the web: titles, URLs and snippets."""
    return await tools.search_web(query, results)


if __name__ == "__main__":
    server.run()  # stdio is the default transport
