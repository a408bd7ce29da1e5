# %% [markdown]
# # 05 · Many at once
#
# Your agent's plan says: search the web, check the weather, read a document. Awaited one after
# another, the agent waits for the *sum* of the three; started together, it waits for the *slowest*.
#
# asyncio gives you several ways to run many awaitables at once. They differ in what you get back,
# in what order, and above all in what happens when one of them fails. This lesson covers three;
# lesson 06 adds the fourth, `TaskGroup`.
#
# ## Learning objectives
# - Run awaitables together with `asyncio.gather`, rely on its result order, and collect failures
#   with `return_exceptions=True`.
# - Know what a failure or a cancellation does to the other calls in a `gather`.
# - Handle answers as they arrive with `asyncio.as_completed`.
# - Race several models with `asyncio.wait(..., return_when=FIRST_COMPLETED)`, cancelling the losers.

# %%
import asyncio

from course_utils import (FaultPlan, ServerError, Timeline, compare_many, connect, settings, simulated,
                          tools)
from course_utils.config import LARGE_MODEL

loop = asyncio.get_running_loop()
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

assert finish_order[0] == "read_document", "the fastest tool finished first..."
assert isinstance(results[0], list), "...but results[0] is still the search,"
assert results[1]["city"] == "Oslo", "results[1] the weather,"
assert isinstance(results[2], str), "results[2] the document"

# %% [markdown]
# So you can `zip` the results with the plan safely. What did running them together buy? Compare
# awaiting the three calls one by one with gathering them. Naming each task (lesson 04) labels its
# row in the timeline.

# %%
async def one_by_one():
    return [await run_tool(name, arg) for name, arg in PLAN]


async def together():
    return await asyncio.gather(*(asyncio.create_task(run_tool(name, arg), name=name)
                                  for name, arg in PLAN))


timings = await compare_many({"one by one": one_by_one, "gather": together})
print(timings)
total = sum(tools.LATENCY[name] for name, _ in PLAN)
slowest = max(tools.LATENCY[name] for name, _ in PLAN)
assert 1.25 < timings.speedup("gather") < 2.8, "gather is about twice as fast here"
assert 0.8 * total < timings["one by one"] < 2 * total, "one by one costs the sum"
assert 0.8 * slowest < timings["gather"] < 1.7 * slowest, "gather costs the slowest call"
timings.plot(title="Three independent tool calls: one by one, or gathered")

# %% [markdown]
# One by one costs the sum of the latencies (about 1.0 s); `gather` costs the slowest call
# (about 0.5 s), so it is about twice as fast.
#
# ### When one call fails
#
# Three agents, each on the large model, answer a question; the second request hits a server
# error (the simulator's `FaultPlan` scripts it). By default `gather` raises the **first**
# exception to you:

# %%
QUESTIONS = [
    "Summarize why agents spend most of their time waiting.",
    "Explain what a rate limit is in two sentences.",
    "List three risks of retrying without backoff.",
]


def flaky_llm():
    """The large model; its second request fails with a server error."""
    return connect(LARGE_MODEL, faults=FaultPlan(script=["ok", "error", "ok"]))


llm = flaky_llm()

# %% tags=["raises-exception"]
# This cell fails on purpose: ServerError, the second request's error reaches you
answers = await asyncio.gather(*(llm.complete(q) for q in QUESTIONS))

# %% [markdown]
# The surprise is what happens to the *other* two requests: `gather` does **not** cancel them.
# They keep running (and costing tokens) after the exception has reached you. Keep references to
# the tasks and look:

# %%
llm = flaky_llm()
tasks = [asyncio.create_task(llm.complete(q)) for q in QUESTIONS]
still_running = None
try:
    await asyncio.gather(*tasks)
except ServerError as error:
    still_running = [not t.done() for t in tasks]
    print("gather raised:", error)
    print("still running when it raised:", still_running)

await asyncio.wait(tasks)  # they finish anyway, nobody stopped them
print("finished later:", [t.done() and t.exception() is None for t in tasks])
if simulated():
    assert still_running == [True, False, True], "the healthy calls were still running"
    assert tasks[0].result().text and tasks[2].result().text, "and they finished anyway"
else:
    print("(a real endpoint: no scripted failure, the check is skipped)")

# %% [markdown]
# It works the other way round, though: **cancelling the gather cancels every call in it.**
# `gather` returns a future that stands for the whole group; cancel it (or cancel the task that
# awaits it, for example with a timeout, lesson 09) and it passes the cancellation to each child.

# %%
llm = connect(LARGE_MODEL)
tasks = [asyncio.create_task(llm.complete(q)) for q in QUESTIONS]
group = asyncio.gather(*tasks)
await asyncio.sleep(0.2)  # the calls are under way
group.cancel()
try:
    await group
except asyncio.CancelledError:
    print("the gather was cancelled")
print("children cancelled:", [t.cancelled() for t in tasks])
assert all(t.cancelled() for t in tasks), "cancelling a gather cancels its children"

# %% [markdown]
# When partial results are useful (most agent fan-outs), pass `return_exceptions=True`: every
# slot is filled, with either a result or the exception that call raised, still in argument order.

# %%
llm = flaky_llm()
results = await asyncio.gather(*(llm.complete(q) for q in QUESTIONS), return_exceptions=True)
for q, r in zip(QUESTIONS, results):
    print(f"{q[:40]:42} ->", f"FAILED: {r!r}" if isinstance(r, Exception) else r.text[:50])

good = [r for r in results if not isinstance(r, BaseException)]
if simulated():
    assert isinstance(results[1], ServerError) and len(good) == 2, "the failure sits in its slot"
else:
    print("(real endpoint: the simulator-only checks here are skipped)")

# %% [markdown]
# ## `as_completed`: handle answers as they arrive
#
# A research agent sends out five sub-questions: three quick ones to the default model and two
# deep ones to the large, slow model. There is no reason to let the quick answers sit idle until
# the deep ones are back: `asyncio.as_completed` hands you each result the moment it is ready.
#
# In Python 3.11 and 3.12, `for next_answer in asyncio.as_completed(tasks)` yields *new*
# awaitables, not your tasks, so you cannot tell which question an answer belongs to from the
# object: make the coroutine return its own label. (Python 3.13 added
# `async for task in asyncio.as_completed(tasks)`, which yields your original tasks.)

# %%
SUB_QUESTIONS = {
    "define": ("Define an event loop in one sentence.", settings().model),
    "deep-1": ("Analyze the trade-offs of hedged LLM requests.", LARGE_MODEL),
    "example": ("Give one example of a slow agent tool.", settings().model),
    "deep-2": ("Analyze how rate limits shape agent design.", LARGE_MODEL),
    "term": ("Explain the word latency briefly.", settings().model),
}
llm = connect()


async def ask(label, prompt, model):
    return label, await llm.complete(prompt, model=model)


start = loop.time()
arrivals = []
tasks = [asyncio.create_task(ask(label, *args)) for label, args in SUB_QUESTIONS.items()]
for next_answer in asyncio.as_completed(tasks):
    label, answer = await next_answer
    arrivals.append((label, loop.time() - start))
    print(f"{loop.time() - start:5.2f} s  {label:8} {answer.text[:60]}")

# %% [markdown]
# The three quick answers came first, whatever their position in the list, and were in your hands
# (ready to show the user, or to feed the next step) in less than half the time the first deep
# answer took.

# %%
quick = [t for label, t in arrivals if not label.startswith("deep")]
deep = [t for label, t in arrivals if label.startswith("deep")]
if simulated():
    assert {label for label, _ in arrivals[:3]} == {"define", "example", "term"}, "quick ones first"
    assert max(quick) < min(deep) / 2, "all quick answers in under half the first deep one's time"
else:
    print("(a real endpoint: model speeds differ, the check is skipped)")

# %% [markdown]
# ## `wait(FIRST_COMPLETED)`: take the first good answer, cancel the rest
#
# Latency-sensitive agents sometimes *hedge*: send the same prompt to several models or replicas
# and use whichever answers first. `asyncio.wait` with `return_when=FIRST_COMPLETED` returns as
# soon as any task is done, as two sets `(done, pending)`. It never raises the tasks' exceptions:
# you inspect them, so a fast *failure* does not win the race. It also takes `timeout=`: then it
# returns when the time is up, with the unfinished tasks in `pending`, cancelling nothing.
#
# Below, the primary replica is overloaded and fails quickly, the default model answers in about
# half a second, and the large model would take several seconds.

# %%
REPLICAS = {
    "primary (overloaded)": connect(faults=FaultPlan(script=["overloaded"])),
    "default model": connect(),
    "large model": connect(LARGE_MODEL),
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

if simulated():
    assert REPLICAS["large model"].usage.errors["cancelled"] == 1, "the slow replica was cancelled"
    assert winner == "default model", "the fast failure did not win the race"
    assert race.elapsed < min(deep) / 2, "far less than the large model needs"
else:
    print("(real endpoint: the simulator-only checks here are skipped)")
race.plot(title="Hedged request: first good answer wins, the slow replica is cancelled")

# %% [markdown]
# Two habits from that cell are worth copying. Cancel the losers **and await them** (the `finally`
# block), so no request outlives the function. And remember the bill: a real provider charges for
# the tokens the cancelled requests already generated, so hedge only where latency is worth it.
#
# Which tool for which job:
#
# | you need | use |
# |---|---|
# | all results, in order; failures as values | `gather(..., return_exceptions=True)` |
# | each result as soon as it is ready | `as_completed` |
# | the first (good) result, then stop the rest | `wait(..., return_when=FIRST_COMPLETED)` |
# | all results or nothing; stop on first failure | `TaskGroup` (lesson 06) |

# %% [markdown]
# ## Exercise
#
# [`exercises/ex05_first_good_answer.py`](../exercises/ex05_first_good_answer.py): hedge for less.
# Ask one model, and start the next only when no good answer has arrived after `stagger` seconds
# (`asyncio.wait` with `timeout=`) or a call failed; keep the first good answer, cancel the rest,
# and never swallow a cancellation. Edit the file, then run the check;
# `hint("ex05_first_good_answer")` helps if you are stuck.

# %%
from course_utils import check, hint  # noqa: E402

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
# - Cancelling a `gather` (or the task awaiting it) cancels every child it runs.
# - `as_completed` yields results in **completion order**, so fast answers are not held hostage
#   by slow ones; carry a label in the result to know which is which (or, from 3.13, use
#   `async for`, which yields your own tasks).
# - `wait(..., FIRST_COMPLETED)` lets you race models or replicas: check `task.exception()`, then
#   cancel *and await* the losers.
#
# **Next:** lesson 06 makes "all or nothing" safe with `TaskGroup`.
