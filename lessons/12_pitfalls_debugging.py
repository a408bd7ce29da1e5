# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # 12 · Pitfalls and debugging
#
# Async bugs are quiet: a call that never happens, an exception nobody sees, a counter that is off
# by a few, a stampede of identical LLM calls. This lesson makes each classic pitfall fail in
# front of you, fixes it, and then hands you the tools that catch the next one.
#
# ## Learning objectives
# - Recognize and fix the classic pitfalls: a missing `await`, stray event loops, lost task
#   exceptions, leaked clients, races on shared state, unbounded fan-out.
# - Turn on asyncio's debug mode and read what it reports; log with task names.
# - Inspect a live program: list its tasks and see where each one is stuck.
# - Measure a batch of flaky calls with `Metrics`.
# - Build an async TTL cache that also merges identical calls already in flight.

# %%
import asyncio
import functools
import gc
import io
import logging
import subprocess
import sys
import textwrap
import threading
import warnings
from contextlib import AsyncExitStack

import httpx
from aiolimiter import AsyncLimiter

from course_utils import (FaultPlan, LLMError, Metrics, RateLimitError, RateLimits, SimulatedLLM,
                          clock, config, sync_tools, tools)
from course_utils.serving import serve_async

llm = SimulatedLLM()
loop = asyncio.get_running_loop()

# %% [markdown]
# ## 1. The missing `await`
#
# You met it in lesson 04: without `await`, a call returns a coroutine object and does nothing.
# The error, when there is one, appears where you *use* the value, far from the cause.

# %% tags=["raises-exception"]
answer = llm.complete("Summarize the incident report")
print(answer.text)

# %% [markdown]
# `AttributeError: 'coroutine' object has no attribute 'text'`. The fix is the missing word; the
# lesson is to read "coroutine object" in an error as "I forgot an `await`". Debug mode, below,
# also tells you *where* the un-awaited coroutine was created.

# %%
answer.close()   # the forgotten coroutine never ran; close it so Python does not warn later
answer = await llm.complete("Summarize the incident report")
assert answer.text

# %% [markdown]
# ## 2. More than one event loop
#
# One thread runs one loop, and asyncio objects belong to a loop: futures and tasks to the loop
# that created them; locks, semaphores and queues to the loop they were first used on; and so do
# the clients built on them. Two loops in one program (`asyncio.run` called again, or in a
# thread, or `asyncio.new_event_loop()`) means objects crossing from one loop to the other. The
# classic case: a library thread (a webhook, a sync SDK's callback) runs `asyncio.run` to wait for
# something the agent's loop owns, here a human approval.

# %% tags=["raises-exception"]
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
# `RuntimeError: Task ... got Future ... attached to a different loop`. The fix is to stop making
# loops: from another thread, hand the coroutine to the loop that owns the objects with
# `asyncio.run_coroutine_threadsafe(coro, loop)`, which returns a thread-safe
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
assert results == ["approved by a human"]

# %% [markdown]
# The same mistake in a script: a sync wrapper `ask_many_sync()` that calls `asyncio.run` each
# time, around code that keeps a module-level `asyncio.Semaphore`. The first call binds the
# semaphore to the first loop; the second call runs on a new loop and fails. Run it as its own
# program:

# %%
script = textwrap.dedent("""
    import asyncio
    from course_utils import SimulatedLLM

    llm = SimulatedLLM()
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
assert run.returncode != 0 and "is bound to a different event loop" in run.stderr

# %% [markdown]
# The fix: call `asyncio.run` **once**, at the top of the program, and create loop-bound objects
# (locks, semaphores, queues, clients) inside it, e.g. in `main()` or in an object `main()`
# builds. If sync code must call async code repeatedly, keep one loop in one background thread
# and submit to it with `run_coroutine_threadsafe`.

# %% [markdown]
# ## 3. Blocking the loop
#
# Lesson 11 covered it: `time.sleep`, a sync SDK or a CPU-heavy step inside `async def` freezes
# every task. Debug mode (section 8) names the culprit for you.
#
# ## 4. Exceptions nobody retrieves
#
# A task that fails and is never awaited keeps its exception to itself. You hear about it only
# when the task object is garbage-collected, as a log line from the loop's exception handler:
# "Task exception was never retrieved". Often that is never, or far too late.

# %%
async def save_transcript():
    await tools.read_document("agents.md")
    raise OSError("disk full: transcript not saved")

reports = []
previous_handler = loop.get_exception_handler()
loop.set_exception_handler(lambda loop, context: reports.append(context))
try:
    task = asyncio.create_task(save_transcript())
    await clock.sleep(tools.LATENCY["read_document"] * 3)   # long after it failed...
    print("task done:", task.done(), "| reported so far:", len(reports))
    assert task.done() and reports == []                      # ...and nobody knows
    del task
    gc.collect()                                              # only now does the loop complain
finally:
    loop.set_exception_handler(previous_handler)

print(reports[0]["message"], "->", repr(reports[0]["exception"]))
assert reports[0]["message"] == "Task exception was never retrieved"

# %% [markdown]
# The fix: every task has an owner who awaits it. A `TaskGroup` (lesson 05) is the simplest owner:
# the failure reaches you, at the `async with`, as an `ExceptionGroup`.

# %%
try:
    async with asyncio.TaskGroup() as tg:
        tg.create_task(save_transcript())
except* OSError as group:
    caught = group.exceptions
print("caught:", caught)
assert isinstance(caught[0], OSError)

# %% [markdown]
# ## 5. Leaked clients
#
# An HTTP client holds sockets. Forget to close it and the sockets stay open until the garbage
# collector finds the client, which then complains with a `ResourceWarning` (hidden by default;
# `python -X dev` shows it). A close that is called but not awaited leaks just the same: it is a
# coroutine that never runs. We need a server to talk to:

# %%
server = AsyncExitStack()
base_url = await server.enter_async_context(serve_async())


async def leaky_call():
    client = httpx.AsyncClient()                   # never closed
    return (await client.get(f"{base_url}/models")).status_code


async def careless_close():
    client = httpx.AsyncClient()
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
assert any(issubclass(w.category, ResourceWarning) and "unclosed" in str(w.message) for w in leaks)
assert any("was never awaited" in str(w.message) for w in leaks)

# %% [markdown]
# The fix: `async with` (or `await client.aclose()` in a `finally`). No warnings:

# %%
async def tidy_call():
    async with httpx.AsyncClient() as client:
        return (await client.get(f"{base_url}/models")).status_code


with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    assert await tidy_call() == 200
    gc.collect()
leaks = [w for w in caught if issubclass(w.category, (ResourceWarning, RuntimeWarning))]
print(f"{len(leaks)} leak warnings")
assert not leaks
await server.aclose()

# %% [markdown]
# ## 6. Races on shared state
#
# One thread does not mean no races. Between two `await`s your code runs alone, but *across* an
# `await` anything can happen. Here agents keep a shared token total in a store (think Redis or a
# database: every access is awaited). Each agent reads the total (say, to check its budget),
# calls the model, then writes the new total: read, await, write.

# %%
class UsageStore:
    """A counter in an external store: every read and write is a round trip."""

    def __init__(self):
        self._tokens = 0

    async def get(self):
        await clock.sleep(tools.LATENCY["read_document"])
        return self._tokens

    async def set(self, value):
        await clock.sleep(tools.LATENCY["read_document"])
        self._tokens = value


async def agent_step(store, question):
    current = await store.get()                          # read
    answer = await llm.complete(question)                # other agents run meanwhile
    await store.set(current + answer.total_tokens)       # write a value computed from a stale read
    return answer.total_tokens


questions = [f"Summarize report {i}" for i in range(10)]
store = UsageStore()
used = await asyncio.gather(*(agent_step(store, q) for q in questions))
recorded = await store.get()
print(f"agents used {sum(used)} tokens; the store says {recorded}")
assert recorded < sum(used)          # updates were lost

# %% [markdown]
# All ten agents read the same old total, each added its own tokens, and each write overwrote the
# others: only the last one counted. The fix keeps the read and the write together, and an
# `asyncio.Lock` makes that pair one step: only one agent at a time may be between the two. The
# LLM call stays outside the lock, so the agents still run concurrently.

# %%
async def agent_step_locked(store, lock, question):
    answer = await llm.complete(question)
    async with lock:
        current = await store.get()
        await store.set(current + answer.total_tokens)
    return answer.total_tokens


store, lock = UsageStore(), asyncio.Lock()
used = await asyncio.gather(*(agent_step_locked(store, lock, q) for q in questions))
recorded = await store.get()
print(f"agents used {sum(used)} tokens; the store says {recorded}")
assert recorded == sum(used)

# %% [markdown]
# Keep locked sections short: a lock around the LLM call would run the agents one by one. In a
# real store prefer an atomic operation (`INCRBY`, `UPDATE ... SET n = n + ?`). In plain Python
# state, don't put an `await` between reading and writing at all: `total += tokens` after the
# `await` is already safe.

# %% [markdown]
# ## 7. Unbounded fan-out
#
# `gather` over everything starts everything: 50 calls at once against a provider that allows a
# burst of 10 requests and 600 per minute. Most of them come back as 429s.

# %%
def rate_limited_llm():
    return SimulatedLLM(rate_limits=RateLimits(requests_per_minute=600, burst_requests=10))

storm_llm = rate_limited_llm()
prompts = [f"Classify ticket {i}" for i in range(50)]
outcomes = await asyncio.gather(*(storm_llm.complete(p) for p in prompts), return_exceptions=True)
refused = sum(isinstance(o, RateLimitError) for o in outcomes)
print(f"{len(prompts) - refused} answered, {refused} refused with 429")
assert refused >= 0.7 * len(prompts)

# %% [markdown]
# The fix: pace the calls on your side, a little under the provider's limit (lesson 06 builds the
# limiter; `aiolimiter` is the library version), and if a 429 still comes back, wait as long as
# it says (lesson 07). Every call gets through, with at most a few retries instead of a storm.

# %%
async def paced_complete(llm, limiter, prompt):
    while True:
        async with limiter:
            try:
                return await llm.complete(prompt)
            except RateLimitError as error:
                wait = error.retry_after
        await clock.sleep(wait)


polite_llm = rate_limited_llm()
limiter = AsyncLimiter(max_rate=9, time_period=clock.to_real(1.0))   # 9/s: under the 10/s limit
with clock.Stopwatch() as sw:
    answers = await asyncio.gather(*(paced_complete(polite_llm, limiter, p) for p in prompts))
retried = polite_llm.usage.errors["rate_limit"]
print(f"{len(answers)} answered in {sw.elapsed:.1f} s with {retried} 429s (the storm got {refused})")
assert len(answers) == len(prompts) and retried < 0.25 * refused

# %% [markdown]
# ## 8. Debug mode: asyncio tells you what is wrong
#
# asyncio's debug mode (`asyncio.run(main(), debug=True)`, `PYTHONASYNCIODEBUG=1` or
# `python -X dev`) logs every callback or task step that holds the loop longer than
# `loop.slow_callback_duration` (0.1 s by default), records where each coroutine was created,
# and complains about thread-unsafe calls. It slows the loop down: use it while developing. In a
# notebook, switch it on for the running loop and catch its log with a handler.

# %%
class Collect(logging.Handler):
    """Keep log messages in a list, so a cell can look at them."""

    def __init__(self):
        super().__init__()
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


async def hasty_step():
    await tools.read_document("agents.md")
    return sync_tools.get_grades(7)        # blocking, inside async def


asyncio_log = Collect()
logging.getLogger("asyncio").addHandler(asyncio_log)
loop.set_debug(True)
loop.slow_callback_duration = clock.to_real(0.1)      # real seconds: 0.1 course s
try:
    await asyncio.create_task(hasty_step(), name="hasty_step")
    with warnings.catch_warnings(record=True) as unawaited:
        warnings.simplefilter("always")
        await asyncio.sleep(0)                         # let debug mode switch on origin tracking
        llm.complete("forgotten")                      # created, never awaited
        gc.collect()
finally:
    loop.set_debug(False)
    logging.getLogger("asyncio").removeHandler(asyncio_log)

slow = [m for m in asyncio_log.messages if m.startswith("Executing") and "hasty_step" in m]
forgotten = [str(w.message) for w in unawaited if "never awaited" in str(w.message)]
print(slow[0][:70], "...", slow[0][-25:])
lines = forgotten[0].splitlines()
print("\n".join(lines[:2] + ["  ..."] + lines[-2:]))
assert slow and "took" in slow[0]
assert "Coroutine created at" in forgotten[0]

# %% [markdown]
# The first message names the task that held the loop and for how long (in real seconds); the
# second shows the line that created the forgotten coroutine.
#
# **Logging with task names.** With many agents in one loop, a log line is only useful if it says
# which task wrote it. Python 3.12 adds `%(taskName)s` to log records; on 3.11 a small filter does
# the same.

# %%
class TaskName(logging.Filter):
    """Stamp each record with the name of the asyncio task that logged it."""

    def filter(self, record):
        try:
            task = asyncio.current_task()
        except RuntimeError:       # not inside an event loop
            task = None
        record.task = task.get_name() if task else "-"
        return True


log = logging.getLogger("agents")
log.setLevel(logging.INFO)
log.propagate = False
shown = logging.StreamHandler(sys.stdout)
shown.setFormatter(logging.Formatter("%(task)-8s %(message)s"))
kept = Collect()
for handler in (shown, kept):
    handler.addFilter(TaskName())
    log.addHandler(handler)


async def researcher(topic):
    log.info("searching %s", topic)
    results = await tools.search_web(topic)
    log.info("found %d results", len(results))


async with asyncio.TaskGroup() as tg:
    for name, topic in (("ada", "rate limits"), ("grace", "timeouts")):
        tg.create_task(researcher(topic), name=name)

for handler in (shown, kept):
    log.removeHandler(handler)
assert len(kept.messages) == 4

# %% [markdown]
# ## 9. What is my program doing right now?
#
# An agent "hangs". Which task, waiting on what? `asyncio.all_tasks()` lists the loop's tasks,
# `task.print_stack()` shows the line each one is suspended on, and following the chain of
# `cr_await` shows the whole path down to the awaited thing. Here one of three agents gets a
# connection that never answers.

# %%
stuck_llm = SimulatedLLM(faults=FaultPlan(script=["ok", "hang", "ok"]))


async def support_agent(ticket):
    draft = await stuck_llm.complete(f"Draft a reply to ticket {ticket}")
    return draft.text


agents = [asyncio.create_task(support_agent(t), name=f"agent-{t}") for t in (1, 2, 3)]
await asyncio.wait(agents, timeout=clock.to_real(3.0))      # long enough for the healthy ones

running = sorted((t for t in asyncio.all_tasks() if t.get_name().startswith("agent-")),
                 key=lambda t: t.get_name())
print("still running:", [t.get_name() for t in running])


def await_chain(task):
    """Where a suspended task is, from its own coroutine down to what it awaits."""
    chain, coro = [], task.get_coro()
    while coro is not None and getattr(coro, "cr_frame", None) is not None:
        chain.append(f"{coro.cr_code.co_name}:{coro.cr_frame.f_lineno}")
        coro = coro.cr_await
    return chain


for task in running:
    out = io.StringIO()
    task.print_stack(file=out)
    print(out.getvalue().strip().splitlines()[-1].strip())
    print("  awaiting:", " -> ".join(await_chain(task)))

assert [t.get_name() for t in running] == ["agent-2"]
assert "complete" in " ".join(await_chain(running[0]))
running[0].cancel()
outcomes = await asyncio.gather(*agents, return_exceptions=True)

# %% [markdown]
# `agent-2` is stuck inside `complete`, in the simulator's wait: a call without a timeout (lesson
# 07 adds one). Python 3.14 turns this into a command, `python -m asyncio pstree <pid>`, for any
# running process.

# %% [markdown]
# ## 10. Metrics for a batch of flaky calls
#
# Counting beats guessing. Wrap each call to record its latency and outcome in a `Metrics` (from
# `course_utils.metrics`): calls, failures by kind, tokens, min/average/max latency. Here 40 calls
# go to a flaky model: each call fails with probability 0.2 (drawn from the course seed). A second
# and a third `Metrics` keep successes and failures apart.

# %%
all_calls, successes, failures = Metrics(), Metrics(), Metrics()


async def measured(coro):
    """Await `coro`, recording its latency and outcome."""
    start = clock.now()
    try:
        result = await coro
    except LLMError as error:
        for metrics in (all_calls, failures):
            metrics.record(clock.now() - start, error=type(error).__name__)
        return None
    for metrics in (all_calls, successes):
        metrics.record(clock.now() - start, prompt_tokens=result.prompt_tokens,
                       completion_tokens=result.completion_tokens)
    return result


flaky_llm = SimulatedLLM(config.LARGE_MODEL, faults=FaultPlan(error_rate=0.2))
batch = [f"Extract the due date from email {i}" for i in range(40)]
answers = await asyncio.gather(*(measured(flaky_llm.complete(p)) for p in batch))

print("all calls:", all_calls)
for name, m in (("all", all_calls), ("successes", successes), ("failures", failures)):
    print(f"{name:>10}: {m.calls:2} calls, latency min {m.latency_min:.2f} / avg {m.latency_mean:.2f} "
          f"/ max {m.latency_max:.2f} s")
assert all_calls.calls == 40 and 0 < all_calls.failures <= 0.4 * 40
assert all_calls.failures == flaky_llm.usage.failures        # our count agrees with the client's
assert failures.latency_mean < 0.5 * successes.latency_mean   # failures are fast
assert all_calls.latency_mean < successes.latency_mean

# %% [markdown]
# Failures came back in less than half the time of successes, so they pull the average (and the
# minimum) down. Look at the latency of successes on its own before you tune a timeout on it.

# %% [markdown]
# ## 11. A TTL cache for LLM answers
#
# Agents ask the same things again and again: the same FAQ, the same document summary. A cache
# that keeps answers for a while (a TTL, time to live) saves calls, money and latency. The async
# twist is the **stampede**: ten users ask the same question at the same moment, nothing is cached
# yet, and a naive cache makes ten identical calls. Here is that naive cache, failing first.

# %%
class NaiveCache:
    def __init__(self):
        self.values = {}

    async def get(self, key, compute):
        if key not in self.values:
            self.values[key] = await compute()      # every concurrent miss calls compute()
        return self.values[key]


faq = [f"What is the refund policy for plan {i % 15}?" for i in range(60)]   # 15 questions, 4x each
naive_llm, naive = SimulatedLLM(), NaiveCache()
await asyncio.gather(*(naive.get(q, functools.partial(naive_llm.complete, q)) for q in faq[:30]))
print(f"30 questions (15 distinct, asked at once): {naive_llm.usage.calls} LLM calls")
assert naive_llm.usage.calls == 30

# %% [markdown]
# Every question missed, because the first caller had not finished when the second arrived. The
# fix is to cache the **call in flight**, not only its result: the first caller starts a task, and
# later callers for the same key await that same task. Results expire after `ttl` course seconds;
# failures are not cached. `asyncio.shield` keeps one impatient caller's cancellation from
# cancelling the shared call for everyone else.

# %%
class TTLCache:
    """Cache async results for `ttl` course seconds; callers of a key in flight share one call."""

    def __init__(self, ttl):
        self.ttl = ttl
        self._values = {}        # key -> (expires at, value)
        self._in_flight = {}     # key -> task computing it
        self.hits = self.shared = self.misses = 0

    async def get(self, key, compute):
        entry = self._values.get(key)
        if entry is not None and entry[0] > clock.now():
            self.hits += 1
            return entry[1]
        task = self._in_flight.get(key)
        if task is None:
            self.misses += 1
            task = asyncio.create_task(compute())
            self._in_flight[key] = task
            task.add_done_callback(functools.partial(self._store, key))
        else:
            self.shared += 1
        return await asyncio.shield(task)

    def _store(self, key, task):
        del self._in_flight[key]
        if not task.cancelled() and task.exception() is None:
            self._values[key] = (clock.now() + self.ttl, task.result())

    @property
    def hit_rate(self):
        served = self.hits + self.shared + self.misses
        return (self.hits + self.shared) / served if served else 0.0


cached_llm, cache = SimulatedLLM(), TTLCache(ttl=2.0)


async def ask(question):
    return await cache.get(question, functools.partial(cached_llm.complete, question))


first = await asyncio.gather(*(ask(q) for q in faq[:30]))     # a burst: duplicates in flight
second = await asyncio.gather(*(ask(q) for q in faq[30:]))    # later: all cached
saved = len(faq) - cached_llm.usage.calls
print(f"{len(faq)} questions -> {cached_llm.usage.calls} LLM calls ({saved} saved); "
      f"hits {cache.hits}, shared in flight {cache.shared}, misses {cache.misses}; "
      f"hit rate {cache.hit_rate:.0%}")
assert cached_llm.usage.calls == 15 and saved == 45
assert cache.shared == 15 and cache.hits == 30 and cache.hit_rate == 0.75
assert first[0].text == second[0].text

# %% [markdown]
# 60 questions, 15 calls: a 75% hit rate, and the burst cost no more than the quiet period. After
# the TTL the answer expires and the next question calls the model again (keep TTLs short for
# anything that changes, and put everything that shapes the answer in the key: model, system
# prompt, parameters).

# %%
await clock.sleep(cache.ttl)
await ask(faq[0])
print(f"after {cache.ttl:g} s: {cached_llm.usage.calls} calls")
assert cached_llm.usage.calls == 16

# %% [markdown]
# ## Exercises
#
# 1. Finish `UsageTracker`: concurrent agents add their tokens to a shared store, and no update
#    may be lost.

# %%
from course_utils import check, hint

check("ex12_usage_race")

# %% [markdown]
# 2. Write `SingleFlight`: concurrent calls for the same key share one in-flight call (no TTL),
#    and a failure reaches every waiter without being cached.

# %%
check("ex12_single_flight")

# %% [markdown]
# ## Quiz

# %%
from course_utils import quiz

quiz("12")

# %% [markdown]
# ## Summary
# - A coroutine object where you expected data means a missing `await`; debug mode shows where it
#   was created.
# - One program, one `asyncio.run`, one loop per thread: create locks, queues and clients inside
#   it, and cross threads with `run_coroutine_threadsafe` / `call_soon_threadsafe`.
# - Give every task an owner (`TaskGroup`), close every client (`async with`), and don't put an
#   `await` between reading and writing shared state (or hold an `asyncio.Lock` across it).
# - Bound fan-out and honour `retry_after`; otherwise a burst becomes a 429 storm.
# - Tools: debug mode and `slow_callback_duration`, task names in logs, `asyncio.all_tasks()` with
#   `print_stack()`, `Metrics` per batch, and a TTL cache that merges in-flight calls.
