# %% [markdown]
# # 06 · Task groups
#
# An agent that needs every piece (all three tool results, every component at start-up) should
# stop paying for the rest the moment one piece fails, and never leave a task running behind its
# back. `asyncio.TaskGroup` gives you exactly that, in one `async with` block.
#
# ## Learning objectives
# - Read and write `async with`, and run tasks in an `asyncio.TaskGroup` (Python 3.11+).
# - Predict what a TaskGroup does when one task fails: cancel the siblings, raise an `ExceptionGroup`.
# - Handle an `ExceptionGroup` by type with `except*`.
# - Apply the pattern to agents: a panel of agents, parallel tool calls, concurrent start-up.

# %%
import asyncio

from course_utils import FaultPlan, ServerError, Timeline, compare_many, connect, settings, simulated, tools
from course_utils.config import LARGE_MODEL

loop = asyncio.get_running_loop()
TOOLS = {"search_web": tools.search_web, "get_weather": tools.get_weather,
         "read_document": tools.read_document}
QUESTIONS = [
    "Summarize why agents spend most of their time waiting.",
    "Explain what a rate limit is in two sentences.",
    "List three risks of retrying without backoff.",
]


def flaky_llm():
    """The large model; its second request fails with a server error (as in lesson 05)."""
    return connect(LARGE_MODEL, faults=FaultPlan(script=["ok", "error", "ok"]))


# %% [markdown]
# ## `async with`, and a block that owns its tasks
#
# `async with thing:` is a `with` block whose entering and leaving may `await`: Python runs
# `await thing.__aenter__()` before the block and `await thing.__aexit__(...)` after it, even when
# the block raises. That is how a client closes its connections (`async with connect() as llm:`)
# or, here, how a group waits for its tasks.
#
# `asyncio.TaskGroup` ties tasks to a block: `tg.create_task(...)` starts a task in the group, and
# the block does not exit until every task in it has finished. The results are then in the tasks.

# %%
llm = connect()
async with asyncio.TaskGroup() as tg:
    tasks = [tg.create_task(llm.complete(q), name=f"agent {i}") for i, q in enumerate(QUESTIONS)]
    print("inside the block, done:", [t.done() for t in tasks])
print("after the block, done:  ", [t.done() for t in tasks])
assert all(t.done() for t in tasks), "the block waits for every task in the group"

# %% [markdown]
# ## The pitfall: one fails, and `except` does not catch it
#
# If one task fails, the group **cancels the others** and raises an `ExceptionGroup` holding the
# failure(s). That is usually what an agent wants: if one required piece failed, stop paying for
# the rest. But a plain `except ServerError` does not catch what a TaskGroup raises:

# %%
async def answer_all(llm):
    try:
        async with asyncio.TaskGroup() as tg:
            tasks = [tg.create_task(llm.complete(q)) for q in QUESTIONS]
    except ServerError:
        return "sorry, please try again"
    return [t.result().text for t in tasks]

# %% tags=["raises-exception"]
# This cell fails on purpose: ExceptionGroup('unhandled errors in a TaskGroup', [ServerError(...)])
await answer_all(flaky_llm())

# %% [markdown]
# The error arrives wrapped in an `ExceptionGroup`, which `except ServerError` does not match.
# Match inside the group with `except*`. Meanwhile the timeline shows what the group did to the
# two healthy requests the moment the second one failed.

# %%
llm = flaky_llm()
async with Timeline() as tg_timeline:
    try:
        async with asyncio.TaskGroup() as tg:
            tasks = [tg.create_task(llm.complete(q), name=f"agent {i}") for i, q in enumerate(QUESTIONS)]
    except* ServerError as group:
        print("handled:", group.exceptions)

print("cancelled:", [t.cancelled() for t in tasks])
if simulated():
    failed = next(t for t in tg_timeline.tasks if t.label == "agent 1")
    assert [t.cancelled() for t in tasks] == [True, False, True], "the siblings were cancelled"
    assert isinstance(tasks[1].exception(), ServerError), "agent 1 failed"
    assert tg_timeline.elapsed < 1.5 * failed.end, "the group ended right after the failure"
else:
    print("(real endpoint: the simulator-only checks here are skipped)")
tg_timeline.plot(title="TaskGroup: one failure cancels the siblings")

# %% [markdown]
# Cancelling works from the outside too: if the task running the `async with` block is cancelled
# (say, by a timeout), the group cancels every task in it and waits for them before leaving.
#
# ### Handling an `ExceptionGroup` by type
#
# Several tasks can fail in the same instant: here two tool calls are rejected as soon as they
# start (an unknown student id and a missing document). Both end up in one `ExceptionGroup`, and
# unlike plain `except`, **every** matching `except*` clause runs, each with the sub-group of its
# type.

# %%
handled = {}
try:
    async with asyncio.TaskGroup() as tg:
        tg.create_task(tools.get_grades(0))                # ids run from 1
        tg.create_task(tools.read_document("plans.md"))    # not on the shelf
        weather = tg.create_task(tools.get_weather("Oslo"))
except* KeyError as group:
    handled["KeyError"] = [str(e) for e in group.exceptions]
except* FileNotFoundError as group:
    handled["FileNotFoundError"] = [str(e) for e in group.exceptions]

for kind, messages in handled.items():
    print(kind, messages)
assert set(handled) == {"KeyError", "FileNotFoundError"}, "both except* clauses ran"
assert weather.cancelled(), "the healthy sibling was cancelled"

# %% [markdown]
# ## A panel of agents
#
# A *panel* asks several agents, each with its own role (system prompt) and model, to answer the
# same question at once, then compares their answers. The critic runs on the large model, so it
# sets the pace.

# %%
PANEL = {
    "researcher": ("You find facts and cite sources.", settings().model),
    "critic": ("You look for weaknesses in an argument.", LARGE_MODEL),
    "writer": ("You explain things simply.", settings().model),
}
QUESTION = "Should our support agent retry failed LLM calls automatically?"

async with connect() as llm, Timeline() as panel:
    async with asyncio.TaskGroup() as tg:
        replies = {role: tg.create_task(llm.complete(QUESTION, system=system, model=model), name=role)
                   for role, (system, model) in PANEL.items()}

for role, task in replies.items():
    print(f"{role:10} ({task.result().latency:.2f} s): {task.result().text[:60]}")
latencies = [t.result().latency for t in replies.values()]
print(f"wall {panel.elapsed:.2f} s, slowest agent {max(latencies):.2f} s, sum {sum(latencies):.2f} s")
assert panel.elapsed < 1.4 * max(latencies), "the panel takes as long as its slowest agent"
assert panel.elapsed < 0.8 * sum(latencies), "well under the sum"
panel.plot(title="A panel of three agents answering at once")

# %% [markdown]
# ## Parallel tool calling
#
# Modern chat APIs let the model ask for **several tool calls in one turn** (OpenAI's
# `tool_calls` list). The agent loop should run them concurrently, then send all the results back
# in one follow-up call. Below, the model's reply is written out as the tool calls it requested,
# in the shape real APIs use; the agent runs them in a TaskGroup and matches results by `id`. It
# also times its tool phase with the loop's clock.

# %%
import json

TOOL_CALLS = [
    {"id": "call_1", "name": "search_web", "arguments": {"query": "asyncio TaskGroup"}},
    {"id": "call_2", "name": "get_weather", "arguments": {"city": "Lima"}},
    {"id": "call_3", "name": "read_document", "arguments": {"name": "timeouts.md"}},
]


def call_tool(call):  # the coroutine for one requested tool call
    return TOOLS[call["name"]](**call["arguments"])


async def agent_step(llm, question, parallel=True):
    # The model's turn: in a real agent, TOOL_CALLS would be parsed from this reply.
    plan = await llm.complete(question, system="Decide which tools to call.")
    tools_start = loop.time()
    if parallel:
        async with asyncio.TaskGroup() as tg:
            running = {c["id"]: tg.create_task(call_tool(c), name=c["name"]) for c in TOOL_CALLS}
        outputs = {call_id: task.result() for call_id, task in running.items()}
    else:
        outputs = {c["id"]: await call_tool(c) for c in TOOL_CALLS}
    tool_seconds = loop.time() - tools_start
    # The wire format an OpenAI-compatible API expects (lesson 20 builds it from a real reply):
    # the assistant turn that asked for the calls, then one "tool" message per call, by id.
    asked = {"role": "assistant", "content": plan.text, "tool_calls": [
        {"id": c["id"], "type": "function",
         "function": {"name": c["name"], "arguments": json.dumps(c["arguments"])}} for c in TOOL_CALLS]}
    answers = [{"role": "tool", "tool_call_id": c["id"], "content": str(outputs[c["id"]])}
               for c in TOOL_CALLS]
    messages = [{"role": "user", "content": question}, asked, *answers]
    return await llm.complete(messages), tool_seconds


QUESTION = "Plan my afternoon in Lima and tell me how to use TaskGroup safely."
step_timings = await compare_many({  # a fresh client each: identical model latencies in both runs
    "one by one": lambda: agent_step(connect(), QUESTION, parallel=False),
    "in parallel": lambda: agent_step(connect(), QUESTION, parallel=True),
})
print(step_timings)
step_timings.plot(title="One agent step: plan, tools, answer")

# %% [markdown]
# In parallel, the three tool rows overlap, so the tool phase costs the slowest tool (search,
# 0.5 s) instead of all three (1.0 s). The two model calls around the tools cannot overlap with
# anything: each needs the previous result. That sequential spine is why the whole step gains
# less than its tool phase.

# %%
latency = [tools.LATENCY[c["name"]] for c in TOOL_CALLS]
seq_phase = step_timings.results["one by one"][1]
par_phase = step_timings.results["in parallel"][1]
print(f"tool phase: one by one {seq_phase:.2f} s, in parallel {par_phase:.2f} s")
assert 0.85 * sum(latency) < seq_phase, "one by one, the tools cost their sum"
assert par_phase < 1.6 * max(latency), "in parallel, the slowest tool"
assert step_timings.speedup("in parallel") < seq_phase / par_phase, "the spine dilutes the gain"

# %% [markdown]
# ## Starting an agent: initialize components concurrently
#
# Agent start-up is a classic hidden sequential chain: load the memory, check that the tools
# answer, warm up the model connection. None depends on another, so start them together. The
# TaskGroup also gives fail-fast start-up: if one component cannot start, the others are
# cancelled and the agent does not come up half-initialized.

# %%
async def load_memory():
    names = tools.list_documents()
    return dict(zip(names, await asyncio.gather(*(tools.read_document(n) for n in names))))


async def check_tools():
    await asyncio.gather(tools.search_web("health check"), tools.get_weather("Oslo"))
    return sorted(TOOLS)


async def warm_up(llm):
    await llm.complete("ping", max_tokens=1)
    return llm.model


async def start_agent_sequentially(llm):
    return {"memory": await load_memory(), "tools": await check_tools(), "model": await warm_up(llm)}


async def start_agent(llm):
    async with asyncio.TaskGroup() as tg:
        parts = {"memory": tg.create_task(load_memory(), name="load_memory"),
                 "tools": tg.create_task(check_tools(), name="check_tools"),
                 "model": tg.create_task(warm_up(llm), name="warm_up")}
    return {name: task.result() for name, task in parts.items()}


startup = await compare_many({"in turn": lambda: start_agent_sequentially(connect()),
                              "at once": lambda: start_agent(connect())})
print(startup)
startup.plot(title="Agent start-up: each component in turn vs all at once")

# %% [markdown]
# Concurrent start-up takes as long as the slowest component (the tool check, itself a `gather` of
# two calls, about 0.5 s) instead of the sum of all three (about 0.9 s), and the gain grows with
# every component you add. Notice the nesting in the plot: gathers inside a TaskGroup, all
# sharing one thread.

# %%
components = [t.duration for t in startup.timelines["at once"].tasks
              if t.label in ("load_memory", "check_tools", "warm_up")]
agent = startup.results["at once"]
assert set(agent) == {"memory", "tools", "model"}, "every component started"
print(f"components: {', '.join(f'{c:.2f} s' for c in components)}; sum {sum(components):.2f} s")
assert startup["in turn"] > 0.75 * sum(components), "in turn: about the sum of the components..."
if simulated():  # a real endpoint adds connection set-up outside the components
    assert startup["at once"] < 1.4 * max(components), "...at once: the slowest one"
    assert startup.speedup("at once") > 1.4, "a clear gain with just three components"
else:
    print("(real endpoint: the simulator-only checks here are skipped)")

# %% [markdown]
# Which tool for which job, now complete:
#
# | you need | use |
# |---|---|
# | all results, in order; failures as values | `gather(..., return_exceptions=True)` |
# | all results or nothing; stop on first failure | `TaskGroup` |
# | each result as soon as it is ready | `as_completed` |
# | the first (good) result, then stop the rest | `wait(..., return_when=FIRST_COMPLETED)` |
#
# ## Exercise
#
# [`exercises/ex06_tool_calls.py`](../exercises/ex06_tool_calls.py): run a model's tool calls
# concurrently twice over, all-or-nothing with a `TaskGroup` and tolerant with
# `gather(..., return_exceptions=True)`. Edit the file, then run the check;
# `hint("ex06_tool_calls")` helps if you are stuck.

# %%
from course_utils import check, hint  # noqa: E402

check("ex06_tool_calls")

# %% [markdown]
# ## Quiz

# %%
from course_utils import quiz  # noqa: E402

quiz("06")

# %% [markdown]
# ## Summary
#
# - `async with` awaits on the way in and on the way out, even when the block fails.
# - A `TaskGroup` block does not exit until all its tasks have finished; one failure cancels the
#   siblings and raises an `ExceptionGroup`, and cancelling the block cancels them all.
# - `except*` splits an `ExceptionGroup` by type, and several clauses can run; a plain `except`
#   for the inner type does not match.
# - For agents: run panel members, independent tool calls and start-up steps concurrently; the
#   sequential spine (model call -> tools -> model call) is what remains.
#
# **Going further:** lesson 07 shows what happens when "many at once" means two hundred requests
# against a provider's rate limit.
