# %% [markdown]
# # 04 · Coroutines and tasks
#
# An agent that decides to call three tools should start all three now and collect the answers
# later. Coroutines describe the work; tasks get it going. This lesson is about telling them apart.
#
# ## Learning objectives
# - Tell a coroutine function, a coroutine object and a task apart.
# - Recognise a forgotten `await` by its error and its "never awaited" warning.
# - Start background work with `asyncio.create_task`, name it, and read its state.
# - Keep references to background tasks so they cannot vanish mid-flight.
# - Get results and exceptions out of tasks, and never leave an exception unretrieved.

# %%
import asyncio
import gc
import inspect
import warnings

from course_utils import Timeline, connect, tools
from course_utils.config import LARGE_MODEL

llm = connect()
loop = asyncio.get_running_loop()

# %% [markdown]
# ## Calling an async function runs nothing
#
# `async def` defines a *coroutine function*. Calling it does not run its body: it returns a
# *coroutine object*, a paused computation waiting to be driven. The list below stays empty.

# %%
calls = []


async def lookup_weather(city):
    calls.append(city)
    return await tools.get_weather(city)


coro = lookup_weather("Oslo")
print(type(coro).__name__, "| calls so far:", calls)
assert inspect.iscoroutinefunction(lookup_weather) and inspect.iscoroutine(coro), "a coroutine object"
assert calls == [], "calling the function ran none of its body"

# %% [markdown]
# `await` drives it: the body runs now, inside the current task, and your code continues only
# when it has finished. That is all `await` does; on its own it starts nothing else (lesson 02).

# %%
weather = await coro
print(weather, "| calls so far:", calls)
assert calls == ["Oslo"], "await ran the body"

# %% [markdown]
# A coroutine object runs once. Awaiting it again is an error, so keep the *result*, not the coroutine:

# %% tags=["raises-exception"]
# This cell fails on purpose: RuntimeError, cannot reuse already awaited coroutine
await coro  # already finished

# %% [markdown]
# ## The pitfall: forgetting `await`
#
# Drop one `await` and you get a coroutine object where you expected data. When you use the value,
# you get an error far from the cause:

# %% tags=["raises-exception"]
# This cell fails on purpose: TypeError, 'coroutine' object is not subscriptable
async def pack_for(city):
    conditions = tools.get_weather(city)["conditions"]  # forgot await
    return "umbrella" if conditions == "rain" else "sunglasses"


await pack_for("Oslo")

# %% [markdown]
# Look above the error: Python also printed `RuntimeWarning: coroutine 'get_weather' was never
# awaited`. It emits that warning when an un-awaited coroutine is garbage-collected. Worse is the
# call whose result you never use, like a "send this log line" tool: nothing fails, and nothing
# happens. That warning is then the only clue. Here it is, recorded so we can check it:

# %%
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    tools.get_weather("Oslo")  # no await: the call never happens
    gc.collect()

for w in caught:
    print(f"{w.category.__name__}: {w.message}")
assert any(issubclass(w.category, RuntimeWarning) and "was never awaited" in str(w.message)
           for w in caught), "Python warned about the forgotten coroutine"

# %% [markdown]
# Treat that warning as a bug report. asyncio's debug mode (`python -X dev`, or
# `PYTHONASYNCIODEBUG=1`) makes it say where the coroutine was created, and mypy reports an unused
# coroutine as an error (`unused-coroutine`) before you even run the code.
#
# ## Tasks: start now, collect later
#
# `asyncio.create_task(coro, name=...)` wraps a coroutine in a **task** and puts its first step in
# the loop's ready queue. It returns at once; the task starts as soon as your code waits (at an
# `await` that has to wait), and runs alongside your code from then on. `await task` later gives
# you its result, immediately if it is already done. (Since Python 3.12 a loop can opt in to
# `asyncio.eager_task_factory`, which runs the first step inside `create_task` itself, up to the
# first real wait; by default, and everywhere in this course, the first step is queued.)
#
# An agent uses this to fire its tool calls and think while they run:

# %%
GUIDE = tools.list_documents()[0]


async def travel_agent(city):
    # Fire the tool calls: they start as soon as the agent waits for anything.
    weather = asyncio.create_task(tools.get_weather(city), name="get_weather")
    museums = asyncio.create_task(tools.search_web(f"{city} museums"), name="search_web")
    guide = asyncio.create_task(tools.read_document(GUIDE), name="read_document")
    # Meanwhile the agent drafts a plan with the model.
    draft = await llm.complete(f"Draft a one-day plan for a visit to {city}.")
    # Collect: each await returns at once if that task has already finished.
    return {"draft": draft, "weather": await weather, "museums": await museums, "guide": await guide}


async with Timeline() as tl:
    agent = asyncio.create_task(travel_agent("Lisbon"), name="agent")  # the agent is a task too
    plan = await agent

tool_time = sum(t.duration for t in tl.tasks if t.label != "agent")
one_after_another = tool_time + plan["draft"].latency
print(f"agent finished in {tl.elapsed:.2f} s; the same calls one after another: {one_after_another:.2f} s")
assert tl.elapsed < 0.7 * one_after_another, "the calls overlap: well under their sum"
tl.plot(title="An agent fires three tool calls as tasks, then drafts with the model")

# %% [markdown]
# The agent's row waits on the model while the three tool tasks wait beside it, so the whole
# thing takes about as long as its slowest call, well under the sum. The names you gave the tasks
# label the rows; they also appear in `repr(task)`, in error logs and in debuggers, so name any
# task you may have to find later.
#
# ## A task's life: pending, done, cancelled
#
# A task is **pending** until its coroutine finishes; then it is **done**, with a result or an
# exception. `task.cancel()` *asks* for cancellation: the task stays pending until its next step
# receives `CancelledError` at the `await` where it waits. If that exception propagates out of the
# coroutine, the task ends **cancelled**. A coroutine can also catch it and return normally: then
# the task ends *done*, and the cancellation was swallowed (almost always a bug; lesson 09 shows
# why). Watch five tasks go through it, one of which swallows its cancellation:

# %%
def state(task):
    if not task.done():
        return "pending"
    if task.cancelled():
        return "cancelled"
    return "failed" if task.exception() else "done"


async def stubborn_weather(city):
    try:
        return await tools.get_weather(city)
    except asyncio.CancelledError:
        return "cancellation swallowed"  # does not re-raise: the task will end *done*


lifecycle = {
    "draft": asyncio.create_task(llm.complete("Draft a study plan for asyncio.", model=LARGE_MODEL),
                                 name="complete (large model)"),
    "guide": asyncio.create_task(tools.read_document(GUIDE), name="read_document"),
    "typo": asyncio.create_task(tools.read_document("agnets.md"), name="read_document (typo)"),
    "weather": asyncio.create_task(tools.get_weather("Oslo"), name="get_weather"),
    "stubborn": asyncio.create_task(stubborn_weather("Rome"), name="stubborn_weather"),
}
snapshots = {"just created": {k: state(t) for k, t in lifecycle.items()}}

await asyncio.sleep(0)  # one turn of the loop: every task takes its first step
snapshots["after one turn"] = {k: state(t) for k, t in lifecycle.items()}

lifecycle["weather"].cancel()
lifecycle["stubborn"].cancel()
snapshots["cancel() called"] = {k: state(t) for k, t in lifecycle.items()}

await lifecycle["guide"]
snapshots["guide awaited"] = {k: state(t) for k, t in lifecycle.items()}

await asyncio.gather(*lifecycle.values(), return_exceptions=True)
snapshots["all awaited"] = {k: state(t) for k, t in lifecycle.items()}

width = max(len(t.get_name()) for t in lifecycle.values()) + 2
print("task".ljust(width) + "".join(moment.ljust(16) for moment in snapshots))
for key, task in lifecycle.items():
    print(task.get_name().ljust(width) + "".join(s[key].ljust(16) for s in snapshots.values()))

# %%
assert snapshots["just created"] == dict.fromkeys(lifecycle, "pending"), "nothing has run yet"
assert snapshots["after one turn"]["typo"] == "failed", "a bad argument fails on the first step"
assert snapshots["cancel() called"]["weather"] == "pending", "cancel() is only a request"
assert snapshots["guide awaited"] == {"draft": "pending", "guide": "done", "typo": "failed",
                                      "weather": "cancelled", "stubborn": "done"}, \
    "awaiting one task waits for that task only: the slow draft is still pending"
assert snapshots["all awaited"] == {"draft": "done", "guide": "done", "typo": "failed",
                                    "weather": "cancelled", "stubborn": "done"}, "each ended its own way"
assert lifecycle["stubborn"].result() == "cancellation swallowed", "caught, so it ended done"

# %% [markdown]
# Both `weather` and `stubborn` were asked to cancel; only `weather` ended *cancelled*.
# `stubborn` caught the `CancelledError` and returned, so it ended *done* with a result, and
# whoever cancelled it cannot tell that it stopped early. If you must clean up on cancellation,
# use `finally` (or `except CancelledError: ...; raise`), so the cancellation keeps propagating.

# %% [markdown]
# ## Keep a reference to every task
#
# The loop holds its tasks only by **weak** references. A waiting task stays alive because
# something will wake it: a timer, a socket, a future someone else holds. A task waiting on
# something nothing else holds is garbage, and Python may collect it mid-flight: it never
# finishes, and all you get is a log line. Here is that case made deterministic: a task waiting for
# an approval that only it knows about, started "fire and forget" with no reference kept.

# %%
approved = []


async def wait_for_approval():
    approval = asyncio.get_running_loop().create_future()  # nothing else holds this
    await approval
    approved.append("approved")


reports = []
previous_handler = loop.get_exception_handler()
loop.set_exception_handler(lambda loop, context: reports.append(context["message"]))
try:
    asyncio.create_task(wait_for_approval(), name="fire-and-forget")  # reference dropped
    await asyncio.sleep(0)  # it starts, and waits
    alive_before = "fire-and-forget" in {t.get_name() for t in asyncio.all_tasks()}
    gc.collect()
    alive_after = "fire-and-forget" in {t.get_name() for t in asyncio.all_tasks()}
finally:
    loop.set_exception_handler(previous_handler)

print(f"alive before gc: {alive_before}, after gc: {alive_after}; the loop reported: {reports}")
assert alive_before and not alive_after, "the unreferenced task was collected mid-flight"
assert "Task was destroyed but it is pending!" in reports and approved == [], "all you get is a log line"

# %% [markdown]
# Do not try to work out which of your tasks are safe. Keep every task you start: await it, put it
# in a `TaskGroup` (lesson 06), or, for real fire-and-forget work, keep it in a set that forgets it
# when it is done (Ruff's rule RUF006 flags a `create_task` whose result is dropped). A second done
# callback makes sure a failure is reported, not lost:

# %%
background_tasks = set()


def report_failure(task):
    if not task.cancelled() and task.exception() is not None:
        print(f"background task {task.get_name()!r} failed: {task.exception()!r}")


def fire_and_forget(coro, name):
    task = asyncio.create_task(coro, name=name)
    background_tasks.add(task)  # a strong reference, as long as it runs
    task.add_done_callback(background_tasks.discard)  # then forget it
    task.add_done_callback(report_failure)
    return task


kept = fire_and_forget(wait_for_approval(), name="kept")
fire_and_forget(tools.read_document(GUIDE), name="prefetch guide")
fire_and_forget(tools.read_document("agnets.md"), name="prefetch typo")
await asyncio.sleep(0)
gc.collect()
print(f"{len(background_tasks)} tasks in the set after gc")
assert kept in background_tasks and not kept.done(), "the kept task survived the collection"

kept.cancel()  # the approval never comes: clean up before the cell ends
await asyncio.gather(*background_tasks, return_exceptions=True)
print(f"{len(background_tasks)} tasks in the set once they finished")
assert not background_tasks, "each finished task left the set"

# %% [markdown]
# ## Results and exceptions
#
# `task.result()` returns the result of a **done** task. On a pending task it raises, because
# there is no result yet:

# %% tags=["raises-exception"]
# This cell fails on purpose: InvalidStateError, the result is not set yet
search = asyncio.create_task(tools.search_web("asyncio tasks"), name="search_web")
search.result()  # still pending

# %% [markdown]
# Await the task instead. A failed task keeps its exception: `task.exception()` returns it, and
# `task.result()` or `await task` raise it again, so the error reaches whoever collects the result.

# %%
hits = await search
print(search.result() == hits, len(hits), "hits")

typo = lifecycle["typo"]
print("exception():", repr(typo.exception()))
try:
    await typo
except FileNotFoundError as error:
    print("await raised:", error)
assert search.result() == hits and isinstance(typo.exception(), FileNotFoundError), "results and exceptions are kept"

# %% [markdown]
# If nobody ever asks, the exception is lost. When a failed task whose exception was never
# retrieved is garbage-collected, asyncio only logs *"Task exception was never retrieved"*, long
# after the fact. `asyncio.wait` is a classic way to get there, since it waits without retrieving
# anything:

# %%
reports = []
loop.set_exception_handler(lambda loop, context: reports.append(context["message"]))
try:
    lost = asyncio.create_task(tools.read_document("agnets.md"), name="lost")
    await asyncio.wait([lost])  # waits, but does not look at the outcome
    del lost
    gc.collect()
finally:
    loop.set_exception_handler(previous_handler)

print("the loop reported:", reports)
assert reports == ["Task exception was never retrieved"], "the only trace of the lost error"

# %% [markdown]
# The fix is the same as for references: await every task (or `gather` it, or start it in a
# `TaskGroup`), or give fire-and-forget tasks a done callback that reports failures, like
# `report_failure` above.

# %% [markdown]
# ## Exercises
#
# Open each file (the link opens it in the editor), write your code, then run its check here;
# `hint("...")` helps if you are stuck.
#
# 1. [`exercises/ex04_task_report.py`](../exercises/ex04_task_report.py): run named jobs as tasks
#    with a deadline, and report how each one ended: done, failed or cancelled.
# 2. [`exercises/ex04_background.py`](../exercises/ex04_background.py): write a `BackgroundTasks`
#    registry that keeps references to its tasks, collects their errors, waits for them and
#    cancels them.

# %%
from course_utils import check, hint  # noqa: E402

check("ex04_task_report")

# %%
check("ex04_background")

# %% [markdown]
# ## Quiz

# %%
from course_utils import quiz  # noqa: E402

quiz("04")

# %% [markdown]
# ## Summary
# - Calling an `async def` returns a coroutine object and runs nothing; `await` runs it to the end,
#   once. A forgotten `await` gives a coroutine instead of data, or a "never awaited" warning.
# - `asyncio.create_task(coro, name=...)` schedules a coroutine to run alongside you; `await task`
#   collects its result. An agent fires its tool calls as tasks and drafts while they run.
# - A task is pending, then done (result or exception) or cancelled; `cancel()` is a request that
#   lands at the task's next `await`, and the task ends cancelled only if the `CancelledError`
#   propagates: a coroutine that catches it and returns ends done.
# - The loop keeps only weak references: keep every task (await it, a `TaskGroup`, or a set with
#   `add_done_callback(set.discard)`).
# - Retrieve every task's outcome, or a failure ends as "Task exception was never retrieved".
