# %% [markdown]
# # 05 · Many at once
#
# Your agent's plan says: search the web, check the weather, read a document. Awaited one after
# another, the agent waits for the *sum* of the three; started together, it waits for the *slowest*.
#
# asyncio gives you four ways to run many awaitables at once. They differ in what you get back,
# in what order, and above all in what happens when one of them fails.
#
# ## Learning objectives
# - Run awaitables together with `asyncio.gather`, rely on its result order, and collect failures
#   with `return_exceptions=True`.
# - Handle answers as they arrive with `asyncio.as_completed`, and race several models with
#   `asyncio.wait(..., return_when=FIRST_COMPLETED)`, cancelling the losers.
# - Use `asyncio.TaskGroup` so that one failure cancels its siblings, and handle the resulting
#   `ExceptionGroup` by type with `except*`.
# - Apply the patterns to agents: a panel of agents, parallel tool calls, concurrent start-up.

# %%
import asyncio

from course_utils import (FaultPlan, ServerError, SimulatedLLM, Timeline, clock, compare_many,
                          settings, tools)
from course_utils.config import LARGE_MODEL

print(settings())

# %% [markdown]
# ## `gather`: results in argument order
#
# Here is the plan an LLM might hand back: three tool calls that do not depend on each other.
# `asyncio.gather` wraps each coroutine in a task, runs them concurrently, and returns their
# results **in the order you passed them**, whatever order they finish in. To see that, each call
# records when it finishes.

# %%
PLAN = [
    ("search_web", "asyncio rate limits"),
    ("get_weather", "Oslo"),
    ("read_document", "agents.md"),
]
TOOLS = {"search_web": tools.search_web, "get_weather": tools.get_weather,
         "read_document": tools.read_document}
print({name: f"{tools.LATENCY[name]} s" for name, _ in PLAN})

finish_order = []


async def run_tool(name, arg):
    result = await TOOLS[name](arg)
    finish_order.append(name)
    return result


results = await asyncio.gather(*(run_tool(name, arg) for name, arg in PLAN))
print("finished in this order:", finish_order)
for (name, _), result in zip(PLAN, results):
    print(f"results[{name!r}] ->", repr(result)[:70])

# %%
assert finish_order[0] == "read_document"           # the fastest tool finished first...
assert isinstance(results[0], list)                 # ...but results[0] is still the search,
assert results[1]["city"] == "Oslo"                 # results[1] the weather,
assert isinstance(results[2], str)                  # results[2] the document.

# %% [markdown]
# So you can `zip` the results with the plan safely. What did running them together buy? Compare
# awaiting the three calls one by one with gathering them.
#
# From here on, calls are often wrapped in a named task: `await asyncio.create_task(coro,
# name=...)` waits just like `await coro`, and gives the timeline a labelled row to draw.

# %%
async def one_by_one():
    return [await asyncio.create_task(run_tool(name, arg), name=name) for name, arg in PLAN]


async def together():
    return await asyncio.gather(*(asyncio.create_task(run_tool(name, arg), name=name)
                                  for name, arg in PLAN))


timings = await compare_many({"one by one": one_by_one, "gather": together})
print(timings)
timings.plot(title="Three independent tool calls: one by one, or gathered")

# %% [markdown]
# One by one costs the sum of the latencies (about 1.0 s); `gather` costs the slowest call
# (about 0.5 s), so it is about twice as fast. The blue slivers are the only moments Python was
# actually running: everything else is waiting, and waiting overlaps.

# %%
total = sum(tools.LATENCY[name] for name, _ in PLAN)
slowest = max(tools.LATENCY[name] for name, _ in PLAN)
assert 1.5 < timings.speedup("gather") < 2.8, timings
assert 0.8 * total < timings["one by one"] < 1.5 * total
assert 0.8 * slowest < timings["gather"] < 1.4 * slowest

# %% [markdown]
# ### When one call fails
#
# Three agents, each on the large model, answer a question; the second request hits a server
# error. By default `gather` raises the **first** exception to you:

# %%
QUESTIONS = [
    "Summarize why agents spend most of their time waiting.",
    "Explain what a rate limit is in two sentences.",
    "List three risks of retrying without backoff.",
]

llm = SimulatedLLM(LARGE_MODEL, faults=FaultPlan(script=["ok", "error", "ok"]))

# %% tags=["raises-exception"]
answers = await asyncio.gather(*(llm.complete(q) for q in QUESTIONS))

# %% [markdown]
# The surprise is what happens to the *other* two requests: `gather` does **not** cancel them.
# They keep running (and costing tokens) after the exception has reached you. Keep references to
# the tasks and look:

# %%
llm = SimulatedLLM(LARGE_MODEL, faults=FaultPlan(script=["ok", "error", "ok"]))
tasks = [asyncio.create_task(llm.complete(q)) for q in QUESTIONS]
try:
    await asyncio.gather(*tasks)
except ServerError as error:
    still_running = [not t.done() for t in tasks]
    print("gather raised:", error)
    print("still running when it raised:", still_running)

await asyncio.wait(tasks)  # they finish anyway, nobody stopped them
print("finished later:", [t.done() and t.exception() is None for t in tasks])
assert still_running == [True, False, True]
assert tasks[0].result().text and tasks[2].result().text

# %% [markdown]
# When partial results are useful (most agent fan-outs), pass `return_exceptions=True`: every
# slot is filled, with either a result or the exception that call raised, still in argument order.

# %%
llm = SimulatedLLM(LARGE_MODEL, faults=FaultPlan(script=["ok", "error", "ok"]))
results = await asyncio.gather(*(llm.complete(q) for q in QUESTIONS), return_exceptions=True)
for q, r in zip(QUESTIONS, results):
    print(f"{q[:40]:42} ->", f"FAILED: {r!r}" if isinstance(r, Exception) else r.text[:50])

good = [r for r in results if not isinstance(r, BaseException)]
assert isinstance(results[1], ServerError) and len(good) == 2

# %% [markdown]
# ## `as_completed`: handle answers as they arrive
#
# A research agent sends out five sub-questions: three quick ones to the default model and two
# deep ones to the large, slow model. There is no reason to let the quick answers sit idle until
# the deep ones are back: `asyncio.as_completed` hands you each result the moment it is ready.
#
# In Python 3.11 `as_completed` yields *new* awaitables, not your tasks, so you cannot tell which
# question an answer belongs to from the object. Make the coroutine return its own label.

# %%
SUB_QUESTIONS = {
    "define": ("Define an event loop in one sentence.", settings().model),
    "deep-1": ("Analyze the trade-offs of hedged LLM requests.", LARGE_MODEL),
    "example": ("Give one example of a slow agent tool.", settings().model),
    "deep-2": ("Analyze how rate limits shape agent design.", LARGE_MODEL),
    "term": ("Explain the word latency briefly.", settings().model),
}
llm = SimulatedLLM()


async def ask(label, prompt, model):
    return label, await llm.complete(prompt, model=model)


t0 = clock.now()
arrivals = []
tasks = [asyncio.create_task(ask(label, *args)) for label, args in SUB_QUESTIONS.items()]
for next_answer in asyncio.as_completed(tasks):
    label, answer = await next_answer
    arrivals.append((label, clock.now() - t0))
    print(f"{clock.now() - t0:5.2f} s  {label:8} {answer.text[:60]}")

# %% [markdown]
# The three quick answers came first, whatever their position in the list, and were in your hands
# (ready to show the user, or to feed the next step) in less than half the time the first deep
# answer took.

# %%
quick = [t for label, t in arrivals if not label.startswith("deep")]
deep = [t for label, t in arrivals if label.startswith("deep")]
assert {label for label, _ in arrivals[:3]} == {"define", "example", "term"}  # arrival order
assert max(quick) < min(deep) / 2

# %% [markdown]
# ## `wait(FIRST_COMPLETED)`: take the first good answer, cancel the rest
#
# Latency-sensitive agents sometimes *hedge*: send the same prompt to several models or replicas
# and use whichever answers first. `asyncio.wait` with `return_when=FIRST_COMPLETED` returns as
# soon as any task is done, as two sets `(done, pending)`. It never raises the tasks' exceptions:
# you inspect them, so a fast *failure* does not win the race.
#
# Below, the primary replica is overloaded and fails quickly, the default model answers in about
# half a second, and the large model would take several seconds.

# %%
REPLICAS = {
    "primary (overloaded)": SimulatedLLM(faults=FaultPlan(script=["overloaded"])),
    "default model": SimulatedLLM(),
    "large model": SimulatedLLM(LARGE_MODEL),
}
PROMPT = "Summarize the user's question about rate limits."


async def hedged_answer(prompt):
    pending = {asyncio.create_task(client.complete(prompt), name=name)
               for name, client in REPLICAS.items()}
    try:
        while pending:
            done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                if task.exception() is None:
                    return task.get_name(), task.result()
                print(f"{task.get_name()} failed: {task.exception()!r}")
        raise RuntimeError("every replica failed")
    finally:
        for task in pending:               # the losers: stop them...
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)  # ...and wait until they have stopped


async with Timeline() as race:
    winner, answer = await hedged_answer(PROMPT)
print(f"winner: {winner} after {race.elapsed:.2f} s: {answer.text[:60]}")
race.plot(title="Hedged request: first good answer wins, the slow replica is cancelled")

# %%
large = next(t for t in race.tasks if t.label == "large model")
assert winner == "default model", winner
assert large.error == "cancelled", large
assert race.elapsed < min(deep) / 2, (race.elapsed, deep)  # far less than the large model needs

# %% [markdown]
# Two habits from that cell are worth copying. Cancel the losers **and await them** (the `finally`
# block), so no request outlives the function. And remember the bill: a real provider charges for
# the tokens the cancelled requests already generated, so hedge only where latency is worth it.
#
# ## `TaskGroup`: structured concurrency
#
# `asyncio.TaskGroup` (Python 3.11) ties tasks to a block: the `async with` does not exit until
# every task in it has finished. If one task fails, the group **cancels the others** and raises an
# `ExceptionGroup` holding the failure(s). That is usually what an agent wants: if one required
# piece failed, stop paying for the rest.
#
# The pitfall comes first: a plain `except ServerError` does not catch what a TaskGroup raises.

# %%
async def answer_all(llm):
    try:
        async with asyncio.TaskGroup() as tg:
            tasks = [tg.create_task(llm.complete(q)) for q in QUESTIONS]
    except ServerError:
        return "sorry, please try again"
    return [t.result().text for t in tasks]

# %% tags=["raises-exception"]
await answer_all(SimulatedLLM(LARGE_MODEL, faults=FaultPlan(script=["ok", "error", "ok"])))

# %% [markdown]
# The error arrives wrapped: `ExceptionGroup('unhandled errors in a TaskGroup', [ServerError(...)])`.
# Match inside the group with `except*`. Meanwhile the timeline shows what the group did to the two
# healthy requests the moment the second one failed.

# %%
llm = SimulatedLLM(LARGE_MODEL, faults=FaultPlan(script=["ok", "error", "ok"]))
async with Timeline() as tg_timeline:
    try:
        async with asyncio.TaskGroup() as tg:
            tasks = [tg.create_task(llm.complete(q), name=f"agent {i}") for i, q in enumerate(QUESTIONS)]
    except* ServerError as group:
        print("handled:", group.exceptions)

print("cancelled:", [t.cancelled() for t in tasks])
tg_timeline.plot(title="TaskGroup: one failure cancels the siblings")

# %%
assert [t.cancelled() for t in tasks] == [True, False, True]
assert [t.error for t in tg_timeline.tasks] == ["cancelled", "ServerError: " + str(tasks[1].exception()), "cancelled"]
assert tg_timeline.elapsed < 0.6 * min(c.latency for c in good)  # it stopped long before they would have finished

# %% [markdown]
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
assert set(handled) == {"KeyError", "FileNotFoundError"}
assert weather.cancelled()

# %% [markdown]
# Which tool for which job:
#
# | you need | use |
# |---|---|
# | all results, in order; failures as values | `gather(..., return_exceptions=True)` |
# | all results or nothing; stop on first failure | `TaskGroup` |
# | each result as soon as it is ready | `as_completed` |
# | the first (good) result, then stop the rest | `wait(..., return_when=FIRST_COMPLETED)` |
#
# ## A panel of agents
#
# The same tools compose into agent patterns. A *panel* asks several agents, each with its own
# role (system prompt) and model, to answer the same question at once, then compares their
# answers. The critic runs on the large model, so it sets the pace.

# %%
PANEL = {
    "researcher": ("You find facts and cite sources.", settings().model),
    "critic": ("You look for weaknesses in an argument.", LARGE_MODEL),
    "writer": ("You explain things simply.", settings().model),
}
QUESTION = "Should our support agent retry failed LLM calls automatically?"
llm = SimulatedLLM()

async with Timeline() as panel:
    async with asyncio.TaskGroup() as tg:
        replies = {role: tg.create_task(llm.complete(QUESTION, system=system, model=model), name=role)
                   for role, (system, model) in PANEL.items()}

for role, task in replies.items():
    print(f"{role:10} ({task.result().latency:.2f} s): {task.result().text[:60]}")
panel.plot(title="A panel of three agents answering at once")

# %%
latencies = [t.result().latency for t in replies.values()]
print(f"wall {panel.elapsed:.2f} s, slowest agent {max(latencies):.2f} s, sum {sum(latencies):.2f} s")
assert panel.elapsed < 1.25 * max(latencies)
assert panel.elapsed < 0.8 * sum(latencies)

# %% [markdown]
# ## Parallel tool calling
#
# Modern chat APIs let the model ask for **several tool calls in one turn** (OpenAI's
# `tool_calls` list). The agent loop should run them concurrently, then send all the results back
# in one follow-up call. Below, the model's reply is written out as the tool calls it requested,
# in the shape real APIs use; the agent runs them in a TaskGroup and matches results by `id`.

# %%
TOOL_CALLS = [
    {"id": "call_1", "name": "search_web", "arguments": {"query": "asyncio TaskGroup"}},
    {"id": "call_2", "name": "get_weather", "arguments": {"city": "Lima"}},
    {"id": "call_3", "name": "read_document", "arguments": {"name": "timeouts.md"}},
]


def call_tool(call):  # the coroutine for one requested tool call
    return TOOLS[call["name"]](**call["arguments"])


async def agent_step(llm, question, parallel=True):
    # The model's turn: in a real agent, TOOL_CALLS would be parsed from this reply.
    plan = await asyncio.create_task(llm.complete(question, system="Decide which tools to call."),
                                     name="model: plan")
    if parallel:
        async with asyncio.TaskGroup() as tg:
            running = {c["id"]: tg.create_task(call_tool(c), name=c["name"]) for c in TOOL_CALLS}
        outputs = {call_id: task.result() for call_id, task in running.items()}
    else:
        outputs = {c["id"]: await asyncio.create_task(call_tool(c), name=c["name"]) for c in TOOL_CALLS}
    tool_messages = [{"role": "tool", "content": str(outputs[c["id"]])} for c in TOOL_CALLS]
    messages = [{"role": "user", "content": question},
                {"role": "assistant", "content": plan.text}, *tool_messages]
    return await asyncio.create_task(llm.complete(messages), name="model: answer")


QUESTION = "Plan my afternoon in Lima and tell me how to use TaskGroup safely."
step_timings = await compare_many({  # a fresh client each: identical model latencies in both runs
    "one by one": lambda: agent_step(SimulatedLLM(), QUESTION, parallel=False),
    "in parallel": lambda: agent_step(SimulatedLLM(), QUESTION, parallel=True),
})
print(step_timings)
step_timings.plot(title="One agent step: plan, tools, answer")

# %% [markdown]
# In parallel, the three tool rows overlap, so the tool phase costs the slowest tool (search,
# 0.5 s) instead of all three (1.0 s). The two model calls around the tools cannot overlap with
# anything: each needs the previous result. That sequential spine is why the whole step gains
# less than its tool phase.

# %%
def tool_phase(timeline):
    rows = [t for t in timeline.tasks if t.label in TOOLS]
    return rows, max(t.end for t in rows) - min(t.start for t in rows)


latency = [tools.LATENCY[c["name"]] for c in TOOL_CALLS]
par_rows, par_phase = tool_phase(step_timings.timelines["in parallel"])
_, seq_phase = tool_phase(step_timings.timelines["one by one"])
print(f"tool phase: one by one {seq_phase:.2f} s, in parallel {par_phase:.2f} s")
assert max(t.start for t in par_rows) < min(t.end for t in par_rows)  # all three overlapped
assert 0.85 * sum(latency) < seq_phase and par_phase < 1.3 * max(latency)
assert par_phase < 0.7 * seq_phase

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
    return {"memory": await asyncio.create_task(load_memory(), name="load_memory"),
            "tools": await asyncio.create_task(check_tools(), name="check_tools"),
            "model": await asyncio.create_task(warm_up(llm), name="warm_up")}


async def start_agent(llm):
    async with asyncio.TaskGroup() as tg:
        parts = {"memory": tg.create_task(load_memory(), name="load_memory"),
                 "tools": tg.create_task(check_tools(), name="check_tools"),
                 "model": tg.create_task(warm_up(llm), name="warm_up")}
    return {name: task.result() for name, task in parts.items()}


startup = await compare_many({"in turn": lambda: start_agent_sequentially(SimulatedLLM()),
                              "at once": lambda: start_agent(SimulatedLLM())})
print(startup)
startup.plot(title="Agent start-up: each component in turn vs all at once")

# %% [markdown]
# Concurrent start-up takes as long as the slowest component (the tool check, itself a `gather` of
# two calls, about 0.5 s) instead of the sum of all three (about 0.9 s), and the gain grows with
# every component you add. Notice the nesting in the plot: gathers inside a TaskGroup, all
# sharing one thread.

# %%
def component_times(label):
    return [t.duration for t in startup.timelines[label].tasks
            if t.label in ("load_memory", "check_tools", "warm_up")]


agent = startup.results["at once"]
assert set(agent) == {"memory", "tools", "model"} and len(agent["memory"]) == len(tools.list_documents())
assert startup["in turn"] > 0.95 * sum(component_times("in turn"))    # the sum...
assert startup["at once"] < 1.25 * max(component_times("at once"))    # ...versus the slowest
assert startup.speedup("at once") > 1.4, startup

# %% [markdown]
# ## Exercises
#
# 1. `ex05_tool_calls`: run a model's tool calls concurrently twice over, all-or-nothing with a
#    `TaskGroup` and tolerant with `gather(..., return_exceptions=True)`.
# 2. `ex05_first_good_answer`: grow the hedged request above into a reusable function that
#    also rejects bad answers, reports every error when nothing succeeds, and cleans up when it
#    is itself cancelled.
#
# Edit the files in `exercises/`, then run the checks; `hint("ex05_tool_calls")` helps if you
# are stuck.

# %%
from course_utils.checker import check, hint  # noqa: E402

check("ex05_tool_calls")

# %%
check("ex05_first_good_answer")

# %% [markdown]
# ## Quiz

# %%
from course_utils import quiz  # noqa: E402

quiz("05")

# %% [markdown]
# ## Summary
#
# - `gather` returns results in **argument order**; by default it raises the first exception and
#   leaves the other tasks running; `return_exceptions=True` gives you every outcome as a value.
# - `as_completed` yields results in **completion order**, so fast answers are not held hostage
#   by slow ones; carry a label in the result to know which is which.
# - `wait(..., FIRST_COMPLETED)` lets you race models or replicas: check `task.exception()`, then
#   cancel *and await* the losers.
# - `TaskGroup` is all-or-nothing: one failure cancels the siblings and raises an `ExceptionGroup`,
#   which `except*` splits by type (several clauses can run).
# - For agents: run independent tool calls, panel members and start-up steps concurrently; the
#   sequential spine (model call -> tools -> model call) is what remains.
#
# **Going further:** lesson 06 shows what happens when "many at once" means two hundred requests
# against a provider's rate limit.
