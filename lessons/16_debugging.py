# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # 16 · Debugging and observing async code
#
# An agent service "hangs", a batch is slow, the bill doubles after a launch. This lesson hands
# you the tools that say why: asyncio's debug mode, logs that name their task, a look at what
# every task is waiting on, metrics per batch, and a cache that stops a stampede.
#
# ## Learning objectives
# - Turn on asyncio's debug mode and read what it reports; log with task names.
# - Inspect a live program: list its tasks and see where each one is suspended.
# - Measure a batch of flaky calls, keeping successes and failures apart.
# - See a cache stampede on a timeline and fix it with a TTL cache that merges calls in flight,
#   with cleanup that survives a cancelled caller.

# %%
import asyncio
import functools
import gc
import io
import logging
import sys
import warnings

from course_utils import FaultPlan, LLMError, Metrics, ServerError, Timeline, config, connect
from course_utils import simulated, sync_tools, tools
from course_utils.plots import plot_comparison

llm = connect()
loop = asyncio.get_running_loop()

# %% [markdown]
# ## 1. Debug mode: asyncio tells you what is wrong
#
# asyncio's debug mode (`asyncio.run(main(), debug=True)`, `PYTHONASYNCIODEBUG=1` or
# `python -X dev`) logs every callback or task step that holds the loop longer than
# `loop.slow_callback_duration` (0.1 s by default), records where each coroutine was created,
# and complains about thread-unsafe calls. It slows the loop down: use it while developing. In
# a notebook, switch it on for the running loop and catch its log with a handler.

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
loop.slow_callback_duration = 0.1
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
assert slow and "took" in slow[0], "debug mode named the task that held the loop"
assert "Coroutine created at" in forgotten[0], "and the line that made the forgotten coroutine"

# %% [markdown]
# The first message names the task that held the loop and for how long; the second shows the
# line that created the forgotten coroutine.
#
# **Logging with task names.** With many agents in one loop, a log line helps only if it says
# which task wrote it. Python 3.12 adds `%(taskName)s` to log records; on 3.11 a small filter
# does the same.

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
assert len(kept.messages) == 4, "two researchers, two lines each"

# %% [markdown]
# **A heartbeat measures the loop's lag, always on.** Debug mode is for development. In
# production you want a cheap number you can log or graph: ask the loop to run a callback every
# 50 ms with `loop.call_at`, and record how late each one really runs. That lateness is how long
# *every* task just waited for the loop. (The course's `LagMonitor` is this, plus a report.)

# %%
lateness = []


def beat(due):
    now = loop.time()
    lateness.append(now - due)                      # how late the loop ran this beat
    heartbeat[0] = loop.call_at(now + 0.05, beat, now + 0.05)


start = loop.time()
heartbeat = [loop.call_at(start + 0.05, beat, start + 0.05)]
await asyncio.sleep(1)                              # healthy: every task only awaits
healthy = max(lateness)
for student in range(1, 6):
    sync_tools.get_grades(student)                  # five blocking calls, about 1.5 s in all
await asyncio.sleep(0.2)
heartbeat[0].cancel()
blocked = max(lateness)
print(f"worst beat: {healthy * 1000:.0f} ms late while healthy, {blocked:.2f} s late after the blocking calls")
assert blocked > 1.2 and healthy < blocked / 2, "the blocking calls show up as one very late beat"

# %% [markdown]
# ## 2. What is my program doing right now?
#
# An agent "hangs". Which task, waiting on what? `asyncio.all_tasks()` lists the loop's tasks,
# `task.print_stack()` shows the line each one is suspended on, and following the chain of
# `cr_await` shows the whole path down to the awaited thing. Here the second of three support
# agents waits for a human approval (before it drafts) that never comes.

# %%
approvals = {2: loop.create_future()}       # nobody ever resolves ticket 2's approval


async def wait_for_approval(ticket):
    if ticket in approvals:
        await approvals[ticket]


async def support_agent(ticket):
    await wait_for_approval(ticket)
    draft = await llm.complete(f"Draft a reply to ticket {ticket}")
    return draft.text


agents = [asyncio.create_task(support_agent(t), name=f"agent-{t}") for t in (1, 2, 3)]
await asyncio.wait([agents[0], agents[2]])   # the other two answer; one "hangs"

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

assert [t.get_name() for t in running] == ["agent-2"], "only agent-2 is stuck"
assert "wait_for_approval" in " ".join(await_chain(running[0])), "stuck in wait_for_approval"
running[0].cancel()
outcomes = await asyncio.gather(*agents, return_exceptions=True)

# %% [markdown]
# `agent-2` is suspended in `wait_for_approval`: a wait without a timeout (lesson 09 adds one).
# Python 3.14 turns this into a command for any running process: `python -m asyncio pstree <pid>`.
#
# ## 3. Metrics for a batch of flaky calls
#
# Counting beats guessing. Wrap each call to record its latency and outcome in a `Metrics`
# (from `course_utils.metrics`): calls, failures by kind, tokens, latency. Here 40 calls go to
# a flaky model that fails one call in five; a second and a third `Metrics` keep successes and
# failures apart.

# %%
all_calls, successes, failures = Metrics(), Metrics(), Metrics()


async def measured(coro):
    """Await `coro`, recording its latency and outcome."""
    start = loop.time()
    try:
        result = await coro
    except LLMError as error:
        for metrics in (all_calls, failures):
            metrics.record(loop.time() - start, error=type(error).__name__)
        return None
    for metrics in (all_calls, successes):
        metrics.record(loop.time() - start, prompt_tokens=result.prompt_tokens,
                       completion_tokens=result.completion_tokens)
    return result


flaky_llm = connect(config.LARGE_MODEL, faults=FaultPlan(error_rate=0.2))
batch = [f"Extract the due date from email {i}" for i in range(40)]
answers = await asyncio.gather(*(measured(flaky_llm.complete(p)) for p in batch))

for name, m in (("all", all_calls), ("successes", successes), ("failures", failures)):
    low, mean, high = ((m.latency_min, m.latency_mean, m.latency_max) if m.calls else (0, 0, 0))
    print(f"{name:>10}: {m.calls:2} calls, latency min {low:.2f} / avg {mean:.2f} / max {high:.2f} s")
assert all_calls.calls == 40, "every call was recorded once"
if simulated():
    assert 0 < all_calls.failures <= 0.4 * 40, "about one call in five failed"
    assert failures.latency_mean < 0.5 * successes.latency_mean, "failures come back fast"
    assert all_calls.latency_mean < successes.latency_mean, "and pull the average down"
else:
    print("(the failure checks run on the simulator only: your endpoint fails when it likes)")

# %% [markdown]
# Failures came back in less than half the time of successes, so they pull the average (and
# the minimum) down. Look at the latency of successes on its own before you tune a timeout.
#
# ## 4. A cache, and the stampede
#
# Agents ask the same things again and again. A cache that keeps answers for a while (a TTL,
# time to live) saves calls, money and latency. The async twist is the **stampede**: eight users
# ask two questions at the same moment, nothing is cached yet, and a naive cache makes eight
# calls. The timeline gives every model call its own row (`tl.wrap`, from lesson 02).

# %%
class NaiveCache:
    def __init__(self):
        self.values = {}

    async def get(self, key, compute):
        if key not in self.values:
            self.values[key] = await compute()      # every concurrent miss calls compute()
        return self.values[key]


burst = [f"What is the refund policy for plan {i % 2}?" for i in range(8)]


async def ask_all(cache, questions, tl):
    model_call = tl.wrap(connect().complete, label="LLM call")
    async with asyncio.TaskGroup() as tg:
        for i, question in enumerate(questions):
            tg.create_task(cache.get(question, functools.partial(model_call, question)),
                           name=f"user-{i}")


async with Timeline() as naive_tl:
    await ask_all(NaiveCache(), burst, naive_tl)
naive_calls = sum(t.label == "LLM call" for t in naive_tl.tasks)
print(f"{len(burst)} users, 2 distinct questions: {naive_calls} LLM calls")
assert naive_calls == len(burst), "every user missed the cache"

# %% [markdown]
# Every user missed, because the first caller had not finished when the next arrived. Cache the
# **call in flight**, not only its result: the first caller starts a task, later callers for the
# same key await that same task. Results expire after `ttl` seconds; failures are not cached.
# `asyncio.shield` keeps one impatient caller's cancellation from cancelling the shared call.
# The cleanup runs in a **done-callback** of the shared task, so it runs however the task ends.

# %%
class TTLCache:
    """Cache async results for `ttl` seconds; callers of a key in flight share one call."""

    def __init__(self, ttl):
        self.ttl = ttl
        self._values = {}        # key -> (expires at, value)
        self._in_flight = {}     # key -> task computing it
        self.hits = self.shared = self.misses = 0

    async def get(self, key, compute):
        now = asyncio.get_running_loop().time()
        entry = self._values.get(key)
        if entry is not None and entry[0] > now:
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
        del self._in_flight[key]                  # runs however the task ended
        if not task.cancelled() and task.exception() is None:
            expires = asyncio.get_running_loop().time() + self.ttl
            self._values[key] = (expires, task.result())


async with Timeline() as flight_tl:
    await ask_all(TTLCache(ttl=60), burst, flight_tl)
flight_calls = sum(t.label == "LLM call" for t in flight_tl.tasks)
assert flight_calls == 2, "one call per distinct question"
plot_comparison(naive_tl, flight_tl, labels=[f"naive cache: {naive_calls} LLM calls",
                                             f"single flight: {flight_calls} LLM calls"],
                title="The same burst of 8 users: a stampede, then one call per question")

# %% [markdown]
# Same users, same wait, a quarter of the calls. At scale, with a burst followed by a quiet
# period, the cache serves most questions without the model:

# %%
faq = [f"What is the refund policy for plan {i % 15}?" for i in range(60)]   # 15 questions, 4x each
cached_llm, cache = connect(), TTLCache(ttl=2.0)


async def ask(question):
    return await cache.get(question, functools.partial(cached_llm.complete, question))


first = await asyncio.gather(*(ask(q) for q in faq[:30]))     # a burst: duplicates in flight
second = await asyncio.gather(*(ask(q) for q in faq[30:]))    # later: all cached
calls = cached_llm.usage.calls
print(f"{len(faq)} questions -> {calls} LLM calls; hits {cache.hits}, "
      f"shared in flight {cache.shared}, misses {cache.misses}")
assert calls == 15 and cache.shared == 15 and cache.hits == 30, "15 calls serve 60 questions"
await asyncio.sleep(cache.ttl)
await ask(faq[0])
assert cached_llm.usage.calls == 16, "after the TTL the answer expired: one new call"

# %% [markdown]
# Keep TTLs short for anything that changes, and put everything that shapes the answer in the
# key (model, system prompt, parameters).
#
# **Why a done-callback?** The tempting version cleans up in the *first caller's* `except`.
# Cancel that caller (a user closes the tab), then let the shared call fail: the `except` never
# runs, and the failure stays in the cache for good. Same scenario, both versions:

# %%
class CallerCleansUp(TTLCache):
    async def get(self, key, compute):
        if key in self._in_flight:
            return await asyncio.shield(self._in_flight[key])
        task = self._in_flight[key] = asyncio.create_task(compute())
        try:
            return await asyncio.shield(task)
        except Exception:                     # skipped when *this caller* is cancelled
            del self._in_flight[key]
            raise


async def flaky_research():
    await asyncio.sleep(0.5)
    raise ServerError("the research agent crashed")


async def good_research():
    return "fresh notes"


async def cancel_the_creator(cache):
    creator = asyncio.create_task(cache.get("q", flaky_research))
    joiner = asyncio.create_task(cache.get("q", flaky_research))
    await asyncio.sleep(0.1)
    creator.cancel()                                       # the first user leaves
    await asyncio.gather(creator, joiner, return_exceptions=True)
    try:                                                   # a new user, a healthy backend
        return await asyncio.wait_for(cache.get("q", good_research), timeout=1)
    except ServerError as error:
        return f"still failing: {error}"


fragile, sturdy = await cancel_the_creator(CallerCleansUp(60)), await cancel_the_creator(TTLCache(60))
print("caller cleans up: ", fragile)
print("done-callback:    ", sturdy)
assert fragile.startswith("still failing"), "the failure stayed cached after the creator left"
assert sturdy == "fresh notes", "the done-callback cleaned up: the next call ran"

# %% [markdown]
# ## Exercise
#
# Write `SingleFlight` in [`exercises/ex16_single_flight.py`](../exercises/ex16_single_flight.py):
# concurrent calls for the same key share one call in flight, a failure reaches every waiter
# without being cached, and no caller's cancellation breaks it for the others.

# %%
from course_utils import check, hint

check("ex16_single_flight")

# %% [markdown]
# ## Quiz

# %%
from course_utils import quiz

quiz("16")

# %% [markdown]
# ## Summary
# - Debug mode (`debug=True`, `PYTHONASYNCIODEBUG=1`, `-X dev`) names slow steps and shows where
#   a forgotten coroutine was created; a logging filter (or 3.12's `%(taskName)s`) names tasks.
# - `asyncio.all_tasks()`, `print_stack()` and the `cr_await` chain show where a hung task is.
# - Keep successes and failures apart in your metrics: fast failures flatter the average.
# - Cache the call in flight, not just its result, or a burst stampedes the model; clean up in
#   a done-callback, so a cancelled caller cannot leave a failure cached.
