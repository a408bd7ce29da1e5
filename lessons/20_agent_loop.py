# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # 20 · The agent loop
#
# An agent is a loop: ask the model, run the tools it asks for, hand the results back, ask
# again, until it answers. Most of that time is waiting (for the model, for the tools), and a
# model often asks for several tools in one message. That is where async earns its keep.
#
# ## Learning objectives
# - Offer the course's async tools to a model as OpenAI function tools, with the `openai` SDK.
# - Run one message's parallel tool calls concurrently in a `TaskGroup`, each with its own
#   `asyncio.timeout`.
# - Turn a failing or timed-out tool into an error result the model reads, not a crash.
# - Loop until a final answer or a step budget, and read each turn on a timeline.
# - Measure concurrent against one-by-one tool execution on the same conversation.

# %%
import asyncio
import json

from course_utils import Reply, Timeline, ToolCalls, call, openai_client, settings, simulated, tools
from course_utils.plots import plot_comparison

loop = asyncio.get_running_loop()
MODEL = settings().model


def function_tool(fn, description, **params):
    """An OpenAI function tool for an async function: its name, what it does, its parameters."""
    return {"type": "function", "function": {
        "name": fn.__name__, "description": description, "strict": True,
        "parameters": {"type": "object", "properties": {p: {"type": t} for p, t in params.items()},
                       "required": list(params), "additionalProperties": False}}}


TOOLS = {fn.__name__: fn for fn in (tools.get_weather, tools.search_web, tools.read_document,
                                    tools.get_grades, tools.get_attendance)}
SCHEMAS = [
    function_tool(tools.get_weather, "The current weather in a city", city="string"),
    function_tool(tools.search_web, "Search the web for pages about a query", query="string"),
    function_tool(tools.read_document, "Read one of the team's documents by file name", name="string"),
    function_tool(tools.get_grades, "Grades per course for one student", student_id="integer"),
    function_tool(tools.get_attendance, "Sessions one student attended", student_id="integer"),
]

# %% [markdown]
# ## The model chooses the tools
#
# `course_utils.openai_client()` is an official `openai.AsyncOpenAI`. Unless you point
# `COURSE_LLM_BASE_URL` at a real endpoint, it talks, in process, to the course's simulated
# model, which follows a documented policy (`course_utils.toolpolicy`): it calls every offered
# tool your question asks for, all in one message, and answers in prose once the results are in.
#
# Ask something that needs three tools and look at the reply: no text, but `tool_calls`, each
# with an `id`, a function name and its arguments as a JSON **string**.

# %%
client = openai_client(seed=20)
question = "What's the weather in Oslo and Lima, and the grades of student 3?"
reply = await client.chat.completions.create(
    model=MODEL, messages=[{"role": "user", "content": question}], tools=SCHEMAS)
message = reply.choices[0].message
print("finish_reason:", reply.choices[0].finish_reason, "| content:", message.content)
for tool_call in message.tool_calls or []:
    print(f"  {tool_call.id}  {tool_call.function.name}({tool_call.function.arguments})")
if simulated():
    assert [c.function.name for c in message.tool_calls] == ["get_weather", "get_weather", "get_grades"], \
        "the model asked for the weather twice (one call per city) and the grades once"
else:
    print("(a real model chooses for itself: the check of its choice is skipped)")

# %% [markdown]
# ## One tool call, with its own deadline
#
# Running a call means: parse the JSON arguments, look the function up by name, await it. Each
# call gets its **own** `asyncio.timeout`, so one slow tool cannot hold up the whole turn. Web
# search is nice to have, so it gets 0.25 s; the others get two seconds.

# %%
TIMEOUTS = {"search_web": 0.25}


async def call_tool(tool_call):
    arguments = json.loads(tool_call.function.arguments)
    async with asyncio.timeout(TIMEOUTS.get(tool_call.function.name, 2.0)):
        return await TOOLS[tool_call.function.name](**arguments)

# %% [markdown]
# To see what happens when things go wrong, the model now follows a **script** (a simulator
# feature; a real endpoint ignores it, with a warning): first three parallel calls (the weather,
# a slow web search and a document that does not exist), then three more, then the answer.
# Each model turn takes 0.2 s.
#
# ### Pitfall: one bad tool crashes the turn
#
# Run the first turn's three calls in a `TaskGroup` as they are:

# %%
SCRIPT = [
    ToolCalls(call("get_weather", city="Oslo"), call("search_web", query="asyncio agent loop"),
              call("read_document", name="plans.md"), latency=0.2),
    ToolCalls(call("get_grades", student_id=3), call("get_attendance", student_id=3),
              call("get_weather", city="Lima"), latency=0.2),
    Reply("Oslo is mild, the search timed out, and student 3 is doing well.", latency=0.2),
]
scripted = openai_client(seed=20, script=SCRIPT)
task_of_the_user = "Plan my day: weather in Oslo, the asyncio agent loop, plans.md, student 3."
first = await scripted.chat.completions.create(
    model=MODEL, messages=[{"role": "user", "content": task_of_the_user}], tools=SCHEMAS)
calls = first.choices[0].message.tool_calls
print([f"{c.function.name}({c.function.arguments})" for c in calls])

# %% tags=["raises-exception"]
# This cell fails on purpose: an ExceptionGroup holding read_document's FileNotFoundError
async with asyncio.TaskGroup() as tg:
    for tool_call in calls:
        tg.create_task(call_tool(tool_call))

# %% [markdown]
# The missing document raised at once, so the group cancelled the weather call and the search,
# and the whole agent crashed. But a missing document is an *answer* the model can use ("that
# file does not exist, try another"). So every call ends in a `tool` message: the result as
# JSON, or the error as text. `except Exception` catches `TimeoutError` too, but not
# `CancelledError` (a `BaseException` since Python 3.8), so stopping the agent still works.

# %%
async def run_tool(tool_call):
    try:
        content = json.dumps(await call_tool(tool_call))
    except Exception as error:  # a failed or timed-out tool is a result the model can read
        content = f"error: {type(error).__name__}: {error}"
    return {"role": "tool", "tool_call_id": tool_call.id, "content": content}


async def run_concurrently(tool_calls):
    async with asyncio.TaskGroup() as tg:
        tasks = [tg.create_task(run_tool(c), name=c.function.name) for c in tool_calls]
    return [task.result() for task in tasks]


for result in await run_concurrently(calls):
    print(result["content"][:90])

# %% [markdown]
# ## The loop
#
# Append the assistant's message (with its `tool_calls`), then one `tool` message per call, in
# any order: the `tool_call_id` says which call each answers. Ask again. Stop when the reply has
# no tool calls, or after `max_steps` model calls: a model can keep asking for tools forever.

# %%
async def agent(client, question, run_tools=run_concurrently, max_steps=5):
    messages = [{"role": "user", "content": question}]
    for _ in range(max_steps):
        reply = await client.chat.completions.create(model=MODEL, messages=messages, tools=SCHEMAS)
        message = reply.choices[0].message
        messages.append(message.model_dump(exclude_none=True))
        if not message.tool_calls:
            return message.content
        messages += await run_tools(message.tool_calls)
    raise RuntimeError(f"no final answer after {max_steps} model calls")


async with Timeline() as concurrent:
    answer = await agent(scripted, task_of_the_user)
print(answer)
concurrent.plot(title="The agent loop: model, three tools at once, model, three tools, model")

# %% [markdown]
# Read the timeline from the top: each `model` row is a model turn (the simulated model working
# in process, so your loop waits), then that turn's tools overlap. The search stops at its
# 0.25 s deadline and `read_document("plans.md")` fails at once; both become error results, and
# the loop goes on.
#
# ## Measured: concurrent against one by one
#
# The same scripted conversation, with the tools awaited one after the other:

# %%
async def run_one_by_one(tool_calls):
    return [await run_tool(c) for c in tool_calls]


async with Timeline() as one_by_one:
    await agent(scripted, task_of_the_user, run_tools=run_one_by_one)

ratio = one_by_one.elapsed / concurrent.elapsed
print(f"one by one {one_by_one.elapsed:.2f} s, concurrent {concurrent.elapsed:.2f} s: {ratio:.2f}x")
if simulated():
    # Expected at scale 1: 3 x 0.2 model + (0.4 + 0.25 + 0) + (0.29 + 0.30 + 0.41) = 2.25 s against
    # 3 x 0.2 + 0.4 + 0.41 = 1.41 s (1.6x). The model turns cannot overlap: they dilute the gain.
    assert concurrent.peak_concurrency >= 3, "a turn's three tools ran at the same time"
    assert ratio > 1.15, "running a turn's tools at once beats running them one by one"
else:
    print("(a real endpoint chooses its own tools and pace: the ratio is not checked)")
plot_comparison(one_by_one, concurrent, labels=["one by one", "concurrent"])

# %% [markdown]
# ## A step budget
#
# A model that keeps asking for tools (here: a script of ten tool turns) must not keep your
# agent, and your bill, running. The `for` loop's budget turns that into a clear error:

# %%
looping = openai_client(seed=20, script=[ToolCalls(call("read_document", name="agents.md"), latency=0.1)] * 10)
try:
    await agent(looping, "Read agents.md again and again.", max_steps=3)
except RuntimeError as error:
    print("stopped:", error)
    stopped = True
else:
    stopped = False
if simulated():
    assert stopped, "the loop ended at its step budget"
else:
    print("(real endpoint: the simulator-only checks here are skipped)")

# %% [markdown]
# ## Exercise
#
# In [`exercises/ex20_agent_loop.py`](../exercises/ex20_agent_loop.py), write the tool step of an
# agent: run a message's tool calls concurrently, each within its tool's own timeout, and give
# every call a `tool` message, whatever happened, without swallowing a cancellation.

# %%
from course_utils import check, hint  # noqa: E402

check("ex20_agent_loop")

# %% [markdown]
# ## Quiz

# %%
from course_utils import quiz  # noqa: E402

quiz("20")

# %% [markdown]
# ## Summary
# - The model *asks*; your code runs. Tool calls arrive as `tool_calls` with an `id`, a name and
#   JSON arguments; results go back as `tool` messages carrying that `tool_call_id`.
# - Run one message's calls concurrently in a `TaskGroup`, each under its own
#   `asyncio.timeout`. A turn then takes as long as its slowest tool, not the sum.
# - Catch `Exception` around each call and return the error as text: the model can work around
#   a failed tool; a crashed agent cannot. `CancelledError` still gets through.
# - Bound the loop with a step budget. Model turns depend on each other and stay sequential,
#   so they dilute the gain of concurrent tools (1.6x for this conversation at full speed).
