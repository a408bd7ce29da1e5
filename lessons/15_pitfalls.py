# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # 15 · Async pitfalls
#
# Async bugs are quiet: a call that never happens, an exception nobody sees, a counter that is
# off by a few, a burst that turns into a storm of 429s. This lesson makes each classic pitfall
# fail in front of you, then fixes it.
#
# ## Learning objectives
# - Read "coroutine object" in an error as a missing `await`.
# - Keep one event loop per thread, and cross threads with `run_coroutine_threadsafe`.
# - Give every task an owner and close every client, so no failure or socket goes missing.
# - Find the race across an `await` in shared state, see it on a picture, and fix it.
# - Bound a fan-out so a burst does not become a 429 storm.

# %%
import asyncio
import gc
import subprocess
import sys
import textwrap
import threading
import warnings
from contextlib import AsyncExitStack

import httpx
from aiolimiter import AsyncLimiter

from course_utils import RateLimitError, RateLimits, connect, simulated, tools
from course_utils.races import UsageStore, lost_updates, plot_race
from course_utils.serving import serve_async

llm = connect()
loop = asyncio.get_running_loop()

# %% [markdown]
# ## 1. The missing `await`
#
# You met it in lesson 04: without `await`, calling an `async def` returns a coroutine object
# and runs nothing. The error, when there is one, appears where you *use* the value, far from
# the cause.

# %% tags=["raises-exception"]
# This cell fails on purpose: AttributeError: 'coroutine' object has no attribute 'text'
answer = llm.complete("Summarize the incident report")
print(answer.text)

# %% [markdown]
# Read "coroutine object" in an error as "I forgot an `await`". (Lesson 16's debug mode also
# tells you *where* the forgotten coroutine was created.)

# %%
answer.close()   # the forgotten coroutine never ran; close it so Python does not warn later
answer = await llm.complete("Summarize the incident report")
assert answer.text, "an awaited call returns a completion with text"

# %% [markdown]
# ## 2. More than one event loop
#
# One thread runs one loop at a time, and asyncio objects belong to a loop: futures and tasks
# to the loop that created them; locks, semaphores and queues to the loop they first waited on.
# The classic case: a library thread (a webhook, a sync SDK's callback) calls `asyncio.run` to
# wait for something the agent's loop owns, here a human approval.

# %% tags=["raises-exception"]
# This cell fails on purpose: RuntimeError: Task ... got Future ... attached to a different loop
approval = loop.create_future()      # belongs to this notebook's loop
errors = []


def webhook_thread():
    async def wait_for_approval():
        return await approval        # awaited from a *different* loop
    try:
        asyncio.run(wait_for_approval())
    except RuntimeError as error:
        errors.append(error)


thread = threading.Thread(target=webhook_thread)
thread.start()
thread.join()
raise errors[0]

# %% [markdown]
# Stop making loops: from another thread, hand the coroutine to the loop that owns the objects
# with `asyncio.run_coroutine_threadsafe(coro, loop)`; it returns a thread-safe
# `concurrent.futures.Future` to wait on. (To set a result from a thread, use
# `loop.call_soon_threadsafe(fut.set_result, value)`.)

# %%
approval = loop.create_future()
results = []


def webhook_thread_fixed():
    async def wait_for_approval():
        return await approval
    future = asyncio.run_coroutine_threadsafe(wait_for_approval(), loop)   # runs on *our* loop
    results.append(future.result(timeout=30))                            # the thread waits


thread = threading.Thread(target=webhook_thread_fixed)
thread.start()
await asyncio.sleep(0)
approval.set_result("approved by a human")      # the notebook's loop resolves it
await asyncio.to_thread(thread.join)             # wait for the thread without blocking the loop
print(results)
assert results == ["approved by a human"], "the thread got the value set on the notebook's loop"

# %% [markdown]
# The same mistake in a script: a sync wrapper that calls `asyncio.run` each time, around code
# that keeps a module-level `asyncio.Semaphore`. The first call binds the semaphore to the
# first loop (when a task first waits on it); the second call runs on a new loop and fails.

# %%
script = textwrap.dedent("""
    import asyncio
    from course_utils import connect

    llm = connect()
    slots = asyncio.Semaphore(1)               # module level: shared by every asyncio.run

    async def ask(question):
        async with slots:
            return (await llm.complete(question)).text

    def ask_many_sync(questions):              # a sync wrapper, handy... and a trap
        async def main():
            return await asyncio.gather(*(ask(q) for q in questions))
        return asyncio.run(main())             # a new event loop on every call

    print(len(ask_many_sync(["a", "b"])), "answers from the first call")
    print(len(ask_many_sync(["c", "d"])), "answers from the second call")
""")
run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
print(run.stdout.strip())
print(run.stderr.strip().splitlines()[-1])
assert run.returncode != 0 and "is bound to a different event loop" in run.stderr, \
    "the second asyncio.run meets a semaphore bound to the first loop"

# %% [markdown]
# Call `asyncio.run` **once**, at the top of the program, and create loop-bound objects (locks,
# semaphores, queues, clients) inside it. If sync code must call async code again and again,
# keep one loop in one background thread and submit to it with `run_coroutine_threadsafe`.
#
# ## 3. Blocking the loop
#
# Lesson 14 covered it: `time.sleep`, a sync SDK or a CPU-heavy step inside `async def` freezes
# every task. Lesson 16's debug mode names the culprit for you.
#
# ## 4. Exceptions nobody retrieves
#
# A task that fails and is never awaited keeps its exception to itself. You hear about it only
# when the task object is garbage-collected, as "Task exception was never retrieved" from the
# loop's exception handler. Often that is far too late, or never.

# %%
async def save_transcript():
    await tools.read_document("agents.md")
    raise OSError("disk full: transcript not saved")

reports = []
previous_handler = loop.get_exception_handler()
loop.set_exception_handler(lambda loop, context: reports.append(context))
try:
    task = asyncio.create_task(save_transcript())
    await asyncio.wait([task])               # it has failed (wait() does not look at why)...
    about_it = [r for r in reports if isinstance(r.get("exception"), OSError)]
    print("task done:", task.done(), "| reported so far:", len(about_it))
    assert task.done() and about_it == [], "the task failed, and nobody has heard of it yet"
    del task
    gc.collect()                                              # only now does the loop complain
finally:
    loop.set_exception_handler(previous_handler)

about_it = [r for r in reports if isinstance(r.get("exception"), OSError)]
print(about_it[0]["message"], "->", repr(about_it[0]["exception"]))
assert about_it[0]["message"] == "Task exception was never retrieved", "reported at collection"

# %% [markdown]
# The fix: every task has an owner who awaits it. A `TaskGroup` (lesson 06) is the simplest
# owner: the failure reaches you at the `async with`, inside an `ExceptionGroup`.

# %%
try:
    async with asyncio.TaskGroup() as tg:
        tg.create_task(save_transcript())
except* OSError as group:
    caught = group.exceptions
print("caught:", caught)
assert isinstance(caught[0], OSError), "the TaskGroup handed us the task's error"

# %% [markdown]
# ## 5. Leaked clients
#
# An HTTP client holds sockets. Forget to close it and they stay open until the garbage
# collector finds the client, which then complains with a `ResourceWarning` (hidden by default;
# `python -X dev` shows it). A close that is called but not awaited leaks just the same: it is a
# coroutine that never runs. We need a server to talk to:

# %%
server = AsyncExitStack()
base_url = await server.enter_async_context(serve_async())


async def leaky_call():
    client = httpx.AsyncClient(timeout=30)         # never closed
    return (await client.get(f"{base_url}/models")).status_code


async def careless_close():
    client = httpx.AsyncClient(timeout=30)
    status = (await client.get(f"{base_url}/models")).status_code
    client.aclose()                                # no await: nothing is closed
    return status


with warnings.catch_warnings(record=True) as leaks:
    warnings.simplefilter("always")
    await leaky_call()
    await careless_close()
    gc.collect()

for w in leaks:
    print(f"{w.category.__name__}: {str(w.message).splitlines()[0][:90]}")
assert any(issubclass(w.category, ResourceWarning) and "unclosed" in str(w.message)
           for w in leaks), "the forgotten client's socket was reported"
assert any("was never awaited" in str(w.message) for w in leaks), "the un-awaited aclose() too"

# %% [markdown]
# The fix: `async with` (or `await client.aclose()` in a `finally`). No warnings:

# %%
async def tidy_call():
    async with httpx.AsyncClient(timeout=30) as client:
        return (await client.get(f"{base_url}/models")).status_code


with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    assert await tidy_call() == 200, "the tidy version works"
    gc.collect()
leaks = [w for w in caught if issubclass(w.category, (ResourceWarning, RuntimeWarning))]
print(f"{len(leaks)} leak warnings")
assert not leaks, "async with closed the client: nothing to report"
await server.aclose()

# %% [markdown]
# ## 6. Races on shared state
#
# One thread does not mean no races. Between two `await`s your code runs alone, but *across* an
# `await` anything can happen. Here agents keep a shared token total in a store (think Redis:
# every `get` and `set` is a round trip). Each agent reads the total (say, to check its budget),
# calls the model, then writes the new total: read, await, write.

# %%
async def agent_step(store, question):
    current = await store.get()                          # read
    answer = await llm.complete(question)                # other agents run meanwhile
    await store.set(current + answer.total_tokens)       # write a value computed from a stale read
    return answer.total_tokens


AGENTS = 6
store = UsageStore()
async with asyncio.TaskGroup() as tg:
    steps = [tg.create_task(agent_step(store, f"Summarize report {i}"), name=f"agent-{i}")
             for i in range(AGENTS)]
used = sum(t.result() for t in steps)
recorded = await store.get()
print(f"agents used {used} tokens; the store says {recorded}; "
      f"{lost_updates(store.log)} of {AGENTS} writes lost")
assert recorded < used, "updates were lost"
assert lost_updates(store.log) == AGENTS - 1, "every write but the last was overwritten"
agents_only = [access for access in store.log if access.task.startswith("agent")]
plot_race(agents_only, title="Read, await, write: everyone read 0, so only the last write counts")

# %% [markdown]
# Every agent read the total before any agent wrote: each read `0`, added its own tokens, and
# each write overwrote the one before. Only the last write counts (the filled dot).
#
# The fix keeps the read and the write together, and an `asyncio.Lock` makes that pair one
# step: one agent at a time may be between the two. The LLM call stays outside the lock, so the
# agents still run concurrently.

# %%
async def agent_step_locked(store, lock, question):
    answer = await llm.complete(question)
    async with lock:
        current = await store.get()
        await store.set(current + answer.total_tokens)
    return answer.total_tokens


store, lock = UsageStore(), asyncio.Lock()
used = sum(await asyncio.gather(*(agent_step_locked(store, lock, f"Summarize report {i}")
                                  for i in range(AGENTS))))
recorded = await store.get()
print(f"agents used {used} tokens; the store says {recorded}")
assert recorded == used and lost_updates(store.log) == 0, "with the lock, no update is lost"

# %% [markdown]
# Keep locked sections short: a lock around the LLM call would run the agents one by one. In a
# real store prefer an atomic operation (`INCRBY`, `UPDATE ... SET n = n + ?`). In plain Python
# state, don't put an `await` between reading and writing at all: `total += tokens` *after*
# the `await` is already safe, because no other task runs in the middle of it.
#
# ## 7. Unbounded fan-out
#
# `gather` over everything starts everything: 50 calls at once against a provider that allows
# a burst of 10 requests and 600 a minute. Most come back as 429s.

# %%
def rate_limited_llm():
    return connect(rate_limits=RateLimits(requests_per_minute=600, burst_requests=10))


storm_llm = rate_limited_llm()
prompts = [f"Classify ticket {i}" for i in range(50)]
outcomes = await asyncio.gather(*(storm_llm.complete(p) for p in prompts), return_exceptions=True)
refused = sum(isinstance(o, RateLimitError) for o in outcomes)
print(f"{len(prompts) - refused} answered, {refused} refused with 429")
if simulated():
    assert refused > 0.5 * len(prompts), "most of the burst bounced off the provider's limit"
else:
    print("(the 429 count is checked on the simulator only; your endpoint has its own limits)")

# %% [markdown]
# The fix: pace the calls on your side, a little under the provider's limit (lesson 08's
# limiter; `aiolimiter` is the library version), and if a 429 still comes back, wait as long as
# it says (lesson 10) *outside* the limiter, so the wait holds no slot.

# %%
async def paced_complete(llm, limiter, prompt):
    while True:
        async with limiter:
            try:
                return await llm.complete(prompt)
            except RateLimitError as error:
                wait = error.retry_after
        await asyncio.sleep(wait)


polite_llm = rate_limited_llm()
limiter = AsyncLimiter(9, 1)                  # 9 per second: under the provider's 10
start = loop.time()
answers = await asyncio.gather(*(paced_complete(polite_llm, limiter, p) for p in prompts))
retried = polite_llm.usage.errors["rate_limit"]
print(f"{len(answers)} answered in {loop.time() - start:.1f} s with {retried} 429s "
      f"(the storm got {refused})")
assert len(answers) == len(prompts), "every call got through"
if simulated():
    assert retried < 0.25 * refused, "pacing turned the storm into a handful of retries"
else:
    print("(real endpoint: the simulator-only checks here are skipped)")

# %% [markdown]
# ## Exercise
#
# Finish `UsageTracker` in [`exercises/ex15_usage_race.py`](../exercises/ex15_usage_race.py):
# concurrent agents add their tokens to a shared store, and no update may be lost.

# %%
from course_utils import check, hint

check("ex15_usage_race")

# %% [markdown]
# ## Quiz

# %%
from course_utils import quiz

quiz("15")

# %% [markdown]
# ## Summary
# - A coroutine object where you expected data means a missing `await`.
# - One program, one `asyncio.run`, one loop per thread: create locks, queues and clients inside
#   it, and cross threads with `run_coroutine_threadsafe` / `call_soon_threadsafe`.
# - Give every task an owner (`TaskGroup`) and close every client (`async with`).
# - No `await` between reading and writing shared state, or hold an `asyncio.Lock` across it.
# - Bound fan-out and honour `retry_after` outside the limiter; otherwise a burst becomes a
#   429 storm.
