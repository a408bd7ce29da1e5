# %% [markdown]
# # 22 · Tools from an MCP server
#
# So far your agent's tools were Python functions in the same process. The **Model Context
# Protocol** (MCP) lets any program offer tools to any agent: a *server* lists its tools with a
# JSON schema for their arguments, and a *client* calls them by name. The simplest transport is
# **stdio**: the agent starts the server as a subprocess and they exchange JSON-RPC messages, one
# per line, over its stdin and stdout.
#
# This lesson uses the official SDK, `mcp` 2.3.0 (pinned in `requirements.txt`).
#
# ## Learning objectives
# - Read a small MCP server written with the SDK, and start it from an agent over stdio.
# - List its tools and offer them to the model as OpenAI function tools.
# - Run the model's tool calls concurrently through **one** client session, and measure it.
# - Shut the server down cleanly: leave its context managers in the task that entered them.

# %%
import asyncio
import json
import os
import sys
import tempfile
from contextlib import AsyncExitStack
from importlib.util import find_spec
from pathlib import Path

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

import course_utils
from course_utils import openai_client, simulated

# %% [markdown]
# ## The server
#
# Here is the whole server, `course_utils/mcp_server.py`. Each `@server.tool()` turns an
# `async def` into an MCP tool: its type hints become the tool's input schema and its docstring
# its description. The tools are `async`, so the server's event loop can run several calls at
# once. (In `mcp` 2.x a plain `def` tool runs in a worker thread; in 1.x it ran on the loop and
# calls to it went one at a time.)

# %%
print(Path(find_spec("course_utils.mcp_server").origin).read_text().split('"""', 2)[2].strip())

# %% [markdown]
# `server.run()` speaks MCP on stdin/stdout, so **nothing else may print to stdout** in the
# server: the SDK logs to stderr, which `stdio_client(..., errlog=...)` sends where you say (a
# file here).
#
# The client side describes how to start the server. The SDK passes only a few variables of your
# environment to the subprocess (`HOME`, `PATH`, `USER`, ...) plus the `env` you give; we pass
# ours on, so the server's tools use the same course settings (seed, time scale) as this notebook.

# %%
SERVER = StdioServerParameters(command=sys.executable, args=["-m", "course_utils.mcp_server"],
                               env=dict(os.environ))
SERVER_LOG = tempfile.TemporaryFile("w+")      # the server's stderr

async with stdio_client(SERVER, errlog=SERVER_LOG) as (read, write):
    async with ClientSession(read, write) as session:
        await session.initialize()
        listed = await session.list_tools()

for tool in listed.tools:
    print(f"{tool.name:15} {tool.description:42} {json.dumps(tool.input_schema['properties'])}")
assert {t.name for t in listed.tools} == {"get_weather", "get_grades", "get_attendance", "search_web"}, \
    "the server lists its four tools"

# %% [markdown]
# Two nested context managers: `stdio_client` owns the subprocess and its pipes, `ClientSession`
# owns the protocol (request ids, the task that reads replies). When the block ends, the session
# closes, then `stdio_client` closes the server's stdin and waits for it to exit (the SDK sends
# SIGTERM, then SIGKILL, if it does not within 2 seconds).
#
# ## Offering the tools to the model
#
# An MCP tool and an OpenAI function tool carry the same three things: a name, a description and
# a JSON schema for the arguments. The conversion is one dict:

# %%
def to_openai_tool(tool):
    return {"type": "function",
            "function": {"name": tool.name, "description": tool.description or "",
                         "parameters": tool.input_schema}}


TOOLS = [to_openai_tool(t) for t in listed.tools]
client = openai_client(seed=22)
QUESTION = "What is the weather in Oslo, Lima and Paris, and the grades and attendance of student 3?"

reply = await client.chat.completions.create(
    model=course_utils.settings().model, tools=TOOLS,
    messages=[{"role": "user", "content": QUESTION}])
CALLS = reply.choices[0].message.tool_calls or []
for call in CALLS:
    print(call.id, call.function.name, call.function.arguments)

# %% [markdown]
# The model asked for several tools in one message. They are independent, so they should run at
# once, and they can: one `ClientSession` multiplexes requests. Each request carries an id, a
# background task reads the replies and hands each to the coroutine waiting for that id. You do
# **not** need one session (or one server) per call.
#
# ## One session, several calls at once: measured
#
# The same calls, first one after the other, then concurrently under a `TaskGroup`. A tool error
# is a *result*, not an exception: `is_error` is true and the text says what went wrong. We hand
# it to the model like any other result.

# %%
async def call_tool(session, call):
    result = await session.call_tool(call.function.name, json.loads(call.function.arguments))
    text = "\n".join(block.text for block in result.content if block.type == "text")
    return {"role": "tool", "tool_call_id": call.id,
            "content": f"Error: {text}" if result.is_error else text}


loop = asyncio.get_running_loop()
async with stdio_client(SERVER, errlog=SERVER_LOG) as (read, write):
    async with ClientSession(read, write) as session:
        await session.initialize()

        start = loop.time()
        one_by_one = [await call_tool(session, call) for call in CALLS]
        sequential = loop.time() - start

        start = loop.time()
        async with asyncio.TaskGroup() as tg:
            tasks = [tg.create_task(call_tool(session, call), name=call.function.name) for call in CALLS]
        concurrent = loop.time() - start
        results = [t.result() for t in tasks]

        broken = await session.call_tool("get_grades", {"student_id": "three"})

print(f"{len(CALLS)} calls: one by one {sequential:.2f} s, concurrently {concurrent:.2f} s "
      f"({concurrent / max(sequential, 1e-9):.0%})")
print("an error result:", broken.is_error, broken.content[0].text[:70])
SERVER_LOG.seek(0)
print("the server's log:", SERVER_LOG.read().strip().splitlines()[-1])
assert results == one_by_one, "both ways return the same tool messages, in call order"
if simulated():
    assert len(CALLS) >= 4, "the simulated model asked for several tools at once"
    assert concurrent < 0.6 * sequential, "concurrent calls through one session overlap"
else:
    print("(real endpoint: the simulator-only checks here are skipped)")
assert broken.is_error, "bad arguments come back as an error result, not an exception"

# %% [markdown]
# The server is a separate process, so it does not run on this notebook's course clock. It
# reads the same `COURSE_TIME_SCALE` from the environment we passed, so its tools wait the same
# course seconds. The pipe itself costs real milliseconds per request; when the course runs
# faster than real time (a scale below 1, as in the course's tests) those count as more course
# seconds, which adds a little to each round trip, five times over for the one-by-one calls.
#
# ## The agent
#
# Put together: start the server, list its tools, ask the model, run its calls concurrently,
# send the results back as `tool` messages, and loop until the model answers in prose (or a step
# budget runs out).

# %%
async def mcp_agent(question, max_steps=4):
    async with stdio_client(SERVER, errlog=SERVER_LOG) as (read, write):
        async with ClientSession(read, write) as session:
            await session.initialize()
            tools = [to_openai_tool(t) for t in (await session.list_tools()).tools]
            messages = [{"role": "user", "content": question}]
            for _ in range(max_steps):
                reply = await client.chat.completions.create(
                    model=course_utils.settings().model, messages=messages, tools=tools)
                message = reply.choices[0].message
                if not message.tool_calls:
                    return message.content
                messages.append(message.model_dump(exclude_none=True))
                async with asyncio.TaskGroup() as tg:
                    tasks = [tg.create_task(call_tool(session, c)) for c in message.tool_calls]
                messages += [t.result() for t in tasks]
    return "(step budget exhausted)"


answer = await mcp_agent("What is the weather in Oslo and Lima?")
print(answer)
assert answer and answer != "(step budget exhausted)", "the agent reached a final answer"

# %% [markdown]
# ## Pitfall: closing the session from another task
#
# A long-lived agent wants its session open across many requests, so people reach for an
# `AsyncExitStack` opened in one place and closed somewhere else. The SDK is built on `anyio`,
# whose *cancel scopes* must be left by the task that entered them. Open the stack in one task
# and close it in another, and the shutdown fails:

# %%
stack = AsyncExitStack()


async def open_session():
    read, write = await stack.enter_async_context(stdio_client(SERVER, errlog=SERVER_LOG))
    session = await stack.enter_async_context(ClientSession(read, write))
    await session.initialize()
    return session


session = await asyncio.create_task(open_session())
print(len((await session.list_tools()).tools), "tools: the session works from here...")
try:
    await stack.aclose()                 # ...but this task did not enter the stack
except Exception as error:
    failure = error
print(f"...and closing it fails: {type(failure).__name__}: {failure}")
assert "different task" in str(failure), "anyio refuses to exit a cancel scope from another task"

# %% [markdown]
# The fix is ownership: **one task owns the session** for its whole life. It enters the context
# managers, serves requests, and waits on a stop event; stopping it makes *that* task leave the
# blocks, in reverse order. Everyone else talks to the session; nobody else closes it.

# %%
async def own_session(ready: asyncio.Future, stop: asyncio.Event):
    async with stdio_client(SERVER, errlog=SERVER_LOG) as (read, write):
        async with ClientSession(read, write) as session:
            await session.initialize()
            ready.set_result(session)
            await stop.wait()            # the session lives until someone sets stop


ready, stop = loop.create_future(), asyncio.Event()
owner = asyncio.create_task(own_session(ready, stop), name="MCP session owner")
session = await ready
first = await session.call_tool("get_weather", {"city": "Oslo"})
stop.set()
await owner                              # the owner leaves its blocks: the server exits
print("clean shutdown:", owner.done() and owner.exception() is None, "|", first.content[0].text[:60])
assert owner.exception() is None, "the owning task closed the session without error"

# %% [markdown]
# ## Exercise
#
# In [`exercises/ex22_mcp_agent.py`](../exercises/ex22_mcp_agent.py) you write the two halves of
# the agent's MCP side: turn listed tools into OpenAI tools, and run tool calls concurrently
# through one session, each with its own timeout, so one hanging tool cannot hang the agent.

# %%
from course_utils import check, hint  # noqa: E402

check("ex22_mcp_agent")

# %%
hint("ex22_mcp_agent")

# %% [markdown]
# ## Quiz

# %%
from course_utils import quiz  # noqa: E402

quiz("22")

# %% [markdown]
# ## Summary
#
# - An MCP server offers tools with a name, a description and a JSON schema; with the SDK
#   (`MCPServer`, `@server.tool()`) they come from a function's signature and docstring.
# - Over stdio the agent starts the server as a subprocess; pass the environment it needs.
# - MCP tools become OpenAI function tools with one dict: `parameters` is the `input_schema`.
# - One `ClientSession` carries many calls at once: run the model's calls under a `TaskGroup`.
# - Tool errors come back as results with `is_error`: give the text to the model.
# - Leave `ClientSession` and `stdio_client` in the task that entered them: one owner task per
#   session, stopped with an event.
#
# **Going further:** lesson 23 connects several agents to each other.
