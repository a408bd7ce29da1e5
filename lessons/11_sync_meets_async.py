# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # 11 · When sync meets async
#
# One `time.sleep` inside `async def` freezes every agent on the loop, not just its own. Real
# agents mix blocking SDKs, CPU-heavy steps and files with their async calls: this lesson shows
# how to catch blocking and where to move each kind of work.
#
# ## Learning objectives
# - Spot blocking calls inside `async def` with the `LagMonitor` and with timelines.
# - Move blocking code to threads with `asyncio.to_thread` / `loop.run_in_executor`, and size the
#   thread pool for I/O.
# - Run CPU-bound work in a `ProcessPoolExecutor` (threads cannot, because of the GIL).
# - Give each agent an isolated memory directory, written with `aiofiles`.
# - Write async context managers whose teardown runs even when the agent fails.

# %%
import asyncio
import functools
import os
import shutil
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

import aiofiles
import httpx

from course_utils import (LagMonitor, SimulatedLLM, SimulatedLLMSync, Timeline, clock, compare_many,
                          config, plots, settings, sync_tools, tools)
from course_utils.serving import serve_async

server = AsyncExitStack()
base_url = await server.enter_async_context(serve_async())  # for the sync HTTP client below

# %% [markdown]
# ## One blocking agent freezes everybody
#
# Here is an agent written in a hurry. Its steps look innocent, and each one blocks the thread:
# - `time.sleep` (a "polite pause" between steps),
# - a **sync tool** (`sync_tools.get_grades`, a blocking database driver),
# - an LLM client that is **async in name only** (`SimulatedLLM(blocking=True)` waits with
#   `time.sleep` inside `async def`; wrappers like that exist in the wild),
# - a **sync HTTP client** (`httpx.Client().post`, just like `requests.post`).
#
# Three well-behaved agents share the loop with it. Each of them needs five 0.3 s tool calls,
# about 1.5 s. The `LagMonitor` measures how late the loop runs its heartbeat; the `Timeline`
# records every task.

# %%
blocking_llm = SimulatedLLM(config.LARGE_MODEL, blocking=True)
http = httpx.Client()
body = {"model": settings().model, "messages": [{"role": "user", "content": "Summarize grades"}],
        "max_tokens": 20}


async def hasty_agent():
    time.sleep(clock.to_real(0.3))                       # blocks: a pause
    await tools.read_document("agents.md")
    grades = sync_tools.get_grades(7)                    # blocks: a sync tool
    await tools.read_document("agents.md")
    answer = await blocking_llm.complete(f"Summarize {grades}")  # blocks, though awaited
    await tools.read_document("agents.md")
    http.post(f"{base_url}/chat/completions", json=body)  # blocks: sync HTTP
    return answer.text


async def polite_agent(student_id):
    for _ in range(5):
        await tools.get_attendance(student_id)


async with LagMonitor() as bad_lag, Timeline() as bad_tl:
    await asyncio.gather(hasty_agent(), *(polite_agent(i) for i in (1, 2, 3)))

print(bad_lag.report())
assert bad_lag.blocked
bad_lag.plot(title="Event-loop lag while the hasty agent runs: one spike per blocking call")

# %% [markdown]
# Each spike is the loop frozen: the heartbeat could not run, and neither could anything else. The
# biggest is the "async" LLM call: `await` in front of a function does not make it non-blocking.
# The timeline shows what the freeze cost the polite agents: red stretches where they were
# **ready to run but queued**, waiting for the loop.

# %%
polite = [t for t in bad_tl.tasks if t.label == "polite_agent"]
print(" | ".join(f"polite agent: {t.duration:.2f} s, {t.queued:.2f} s queued" for t in polite))
assert all(t.queued > 0.3 * t.duration for t in polite)
bad_tl.plot(title="The polite agents queue (red) while the hasty agent blocks the loop")

# %% [markdown]
# ## The fix: blocking code goes to a thread
#
# `await asyncio.to_thread(fn, *args)` runs a sync function in a worker thread and lets the loop
# carry on; the awaiting task resumes when the function returns. Blocking I/O releases the GIL
# while it waits, so the loop's thread keeps running. For the "async in name only" client, use a
# client that really is async, or run its sync twin (`SimulatedLLMSync`) in a thread.
#
# The fixed agent is a **mixed agent**: async tools where they exist, sync ones in threads, and,
# since its steps are independent, all of them at once.

# %%
sync_llm = SimulatedLLMSync(config.LARGE_MODEL)


async def fixed_agent():
    _, grades, _ = await asyncio.gather(
        asyncio.to_thread(time.sleep, clock.to_real(0.3)),
        asyncio.to_thread(sync_tools.get_grades, 7),
        tools.read_document("agents.md"),                 # async already: just await it
    )
    answer, _ = await asyncio.gather(
        asyncio.to_thread(sync_llm.complete, f"Summarize {grades}"),
        asyncio.to_thread(http.post, f"{base_url}/chat/completions", json=body),
    )
    return answer.text


async with LagMonitor() as good_lag, Timeline() as good_tl:
    await asyncio.gather(fixed_agent(), *(polite_agent(i) for i in (1, 2, 3)))

print("hasty:", bad_lag.report())
print("fixed:", good_lag.report())
assert good_lag.max_lag < 0.2 * bad_lag.max_lag   # "at least 5x lower"
plots.plot_comparison(bad_tl, good_tl, labels=["blocking on the loop", "in threads"],
                      speedup=True)

# %% [markdown]
# The worst lag is at least 5x lower (at `COURSE_TIME_SCALE=1` it is a few milliseconds: the loop
# never stalls), the polite agents finish on time, and the whole run is faster because the fixed
# agent's own steps overlap too.
#
# `loop.run_in_executor(executor, fn, *args)` is the older, more general form: it takes an
# explicit executor (a thread pool or a process pool) but no keyword arguments, so use
# `functools.partial` for those. `asyncio.to_thread(fn, *args, **kwargs)` is
# `run_in_executor(None, ...)` (the loop's default executor) and also carries over context
# variables.

# %% [markdown]
# ## How many threads? The default executor's limit
#
# `to_thread` uses the loop's **default** `ThreadPoolExecutor`, which has
# `min(32, os.cpu_count() + 4)` threads. Fan out more blocking calls than that and the rest queue
# for a thread. Here an agent fans out twice as many calls to a *sync* LLM SDK as there are
# threads: the default pool needs two rounds, a pool sized for I/O (threads that mostly wait are
# cheap) needs one.

# %%
default_threads = min(32, (os.cpu_count() or 1) + 4)
questions = [f"Summarize chapter {i}" for i in range(2 * default_threads)]
loop = asyncio.get_running_loop()
io_pool = ThreadPoolExecutor(max_workers=len(questions), thread_name_prefix="llm-io")


async def via_default_pool():
    return await asyncio.gather(*(asyncio.to_thread(sync_llm.complete, q) for q in questions))


async def via_own_pool():
    return await asyncio.gather(*(loop.run_in_executor(io_pool, sync_llm.complete, q)
                                  for q in questions))


default = f"to_thread\n(default pool, {default_threads} threads)"
own = f"run_in_executor\n(own pool, {len(questions)} threads)"
timings = await compare_many({default: via_default_pool, own: via_own_pool})
io_pool.shutdown()
print(f"{len(questions)} blocking LLM calls: default pool {timings[default]:.2f} s, "
      f"own pool {timings[own]:.2f} s -> {timings.speedup(own):.1f}x")
assert 1.5 < timings.speedup(own) < 2.8   # "about 2x": two rounds vs one
plots.plot_speedup(timings, title=f"{len(questions)} calls to a blocking LLM SDK, in threads")

# %% [markdown]
# Two rounds instead of one: about 2x. Hand a dedicated pool to `run_in_executor` (or replace the
# default with `loop.set_default_executor`) when an agent wraps a blocking SDK and fans out.
# Threads cost memory (a stack each), and a blocking library may have its own connection limit,
# so size the pool for the fan-out you really need.

# %% [markdown]
# ## CPU-bound work: processes, not threads
#
# Some steps compute instead of waiting: parsing a big PDF, ranking embeddings, a simulation.
# `tools.crunch_numbers` is such a step (pure Python arithmetic). In CPython a thread running
# Python code holds the **GIL**, so two threads never run Python at the same time: threads keep
# the loop free, but they don't make CPU work faster. Separate **processes** each have their own
# interpreter and GIL, and run on separate cores.
#
# CPU timings are noisy when other programs share the machine, so each variant runs three times,
# interleaved, and we keep the best time of each. We also count **cores busy** while the threads
# run: CPU seconds the process used divided by wall seconds. Under the GIL it cannot exceed one.

# %%
jobs = 4
units = tools.work_units_for(0.5)          # about 0.5 course s of CPU per job on an idle machine
workers = min(2, os.cpu_count() or 1)
# How busy the machine already is (runnable processes, 1-minute average), read before we add to it.
busy = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
process_pool = ProcessPoolExecutor(max_workers=workers)
# Start the worker processes before timing (the first start-up costs a few hundred ms).
await asyncio.gather(*(loop.run_in_executor(process_pool, tools.crunch_numbers, 0.01)
                       for _ in range(workers)))
thread_cores = []                           # cores busy during each threaded run


def serial():
    return [tools.crunch_numbers(units=units) for _ in range(jobs)]


async def threads():
    cpu, wall = time.process_time(), time.perf_counter()
    results = await asyncio.gather(*(asyncio.to_thread(tools.crunch_numbers, units=units)
                                     for _ in range(jobs)))
    thread_cores.append((time.process_time() - cpu) / (time.perf_counter() - wall))
    return results


async def processes():
    crunch = functools.partial(tools.crunch_numbers, units=units)
    return await asyncio.gather(*(loop.run_in_executor(process_pool, crunch) for _ in range(jobs)))


variants = {"serial": serial, f"{jobs} threads": threads, f"{workers} processes": processes}
best = {}
for _ in range(3):
    run = await compare_many(variants)
    assert all(list(result) == run.results["serial"] for result in run.results.values())
    best = {k: min(best.get(k, float("inf")), run[k]) for k in variants}
process_pool.shutdown()

process_speedup = best["serial"] / best[f"{workers} processes"]
print(f"best of 3: serial {best['serial']:.2f} s, {jobs} threads {best[f'{jobs} threads']:.2f} s, "
      f"{workers} processes {best[f'{workers} processes']:.2f} s")
print(f"cores busy while the threads ran: at most {max(thread_cores):.2f}")
assert max(thread_cores) < 1.15    # the GIL: four threads, never more than one core of Python
plots.plot_speedup(best, title="The same CPU work: serial, in threads, in processes")

# %% [markdown]
# Four threads never kept more than one core busy: same work, one core at a time, so no faster
# than serial (on a busy machine the timings wobble either way). The process pool can only help
# if there are idle cores to run on, so this cell checks that before it claims a speedup (a
# laptop compiling something, or a CI runner shared with other jobs, may have none to spare).

# %%
idle_cores = (os.cpu_count() or 1) - busy
if workers >= 2 and idle_cores >= 1.5:
    print(f"{workers} processes, ~{idle_cores:.1f} idle cores: {process_speedup:.1f}x faster than serial")
    assert process_speedup > 1.3
else:
    print(f"{os.cpu_count()} cores, ~{max(idle_cores, 0):.1f} idle: no spare core for a second process, "
          f"so no speedup to expect ({process_speedup:.1f}x here); try again on an idle machine")

# %% [markdown]
# Rules of thumb: I/O-bound sync code goes to a **thread**; CPU-bound Python code goes to a
# **process** (its function and arguments must be picklable: a module-level function, plain data);
# and for numeric work, libraries like NumPy release the GIL inside their C code, so threads do
# help there.

# %% [markdown]
# ## Files: per-agent memory with `aiofiles`
#
# Agents keep notes: a scratchpad, retrieved documents, intermediate results. Two rules:
# - **Isolation.** Each agent gets its own directory, so concurrent agents never read or
#   overwrite each other's notes. A fresh `tempfile.mkdtemp()` per agent does it.
# - **Don't block.** `aiofiles` offers `open`/`read`/`write` you can `await`. It runs each file
#   operation in a thread (the same default executor as `to_thread`), so it is no faster than
#   `open()` on a local SSD, but it keeps the loop free on slow or network disks.
#
# The directory's lifetime is an **async context manager**: created on entry, removed on exit,
# whatever happens in between.

# %%
@asynccontextmanager
async def agent_memory(name):
    """A private scratch directory for one agent, removed when the agent is done."""
    directory = Path(tempfile.mkdtemp(prefix=f"agent-{name}-"))
    try:
        yield directory
    finally:
        await asyncio.to_thread(shutil.rmtree, directory)   # teardown: runs on success and on error


async def remember(memory, key, text):
    async with aiofiles.open(memory / f"{key}.md", "w") as f:
        await f.write(text)


async def recall(memory):
    notes = {}
    for path in sorted(memory.iterdir()):
        async with aiofiles.open(path) as f:
            notes[path.stem] = await f.read()
    return notes


llm = SimulatedLLM()
seen_dirs = {}


async def research_agent(name, topic):
    async with agent_memory(name) as memory:
        seen_dirs[name] = memory
        await remember(memory, "question", topic)
        draft = await llm.complete(f"Research notes on {topic}")
        await remember(memory, "draft", draft.text)
        summary = await llm.complete(f"Summarize: {draft.text}")
        await remember(memory, "summary", summary.text)
        return await recall(memory)          # everything this agent can see


topics = {"ada": "rate limits", "grace": "streaming", "linus": "timeouts"}
memories = await asyncio.gather(*(research_agent(name, topic) for name, topic in topics.items()))

for (name, topic), notes in zip(topics.items(), memories):
    print(f"{name:6} sees {sorted(notes)}, question: {notes['question']!r}")
    assert sorted(notes) == ["draft", "question", "summary"] and notes["question"] == topic
assert len({str(d) for d in seen_dirs.values()}) == 3                  # three separate directories
assert not any(d.exists() for d in seen_dirs.values())                # all cleaned up

# %% [markdown]
# Each agent saw only its own three notes, and each directory is gone. Now the property that
# makes context managers worth it: an agent that **crashes** still cleans up.

# %%
async def crashing_agent():
    async with agent_memory("crash") as memory:
        seen_dirs["crash"] = memory
        await remember(memory, "question", "will this be cleaned up?")
        raise RuntimeError("the tool returned garbage")


try:
    await crashing_agent()
except RuntimeError as error:
    print("agent failed:", error)
print("its directory still exists:", seen_dirs["crash"].exists())
assert not seen_dirs["crash"].exists()

# %% [markdown]
# ## Async context managers as classes
#
# `@asynccontextmanager` covers most cases. Write a class with `__aenter__` and `__aexit__` when
# the resource is an object with methods of its own, like an agent run that owns an HTTP client
# and a memory directory. `AsyncExitStack` keeps the teardown in the right (reverse) order, even
# if the setup itself fails halfway.

# %%
class AgentRun:
    """One agent run: an HTTP client and a private memory, both released on exit."""

    def __init__(self, name):
        self.name = name

    async def __aenter__(self):
        async with AsyncExitStack() as stack:
            self.http = await stack.enter_async_context(httpx.AsyncClient(base_url=base_url))
            self.memory = await stack.enter_async_context(agent_memory(self.name))
            self._cleanup = stack.pop_all()   # setup worked: keep everything open
        return self

    async def __aexit__(self, exc_type, exc, tb):
        await self._cleanup.aclose()          # memory removed, then the client closed
        return False                          # do not swallow the exception


try:
    async with AgentRun("eve") as run:
        await remember(run.memory, "plan", "ask the model, then save the answer")
        reply = await run.http.post("/chat/completions", json=body)
        raise TimeoutError("the next step took too long")
except TimeoutError:
    pass

print(f"status {reply.status_code}; client closed: {run.http.is_closed}; "
      f"memory exists: {run.memory.exists()}")
assert reply.status_code == 200 and run.http.is_closed and not run.memory.exists()

# %%
http.close()
await server.aclose()

# %% [markdown]
# ## Exercises
#
# 1. Write `gather_blocking(fn, args, max_threads)`: run a blocking function over many arguments
#    without blocking the loop, at most `max_threads` at a time, results in order.

# %%
from course_utils import check, hint

check("ex11_offload")

# %% [markdown]
# 2. Write `workspace(name)`: an async context manager that yields a fresh private directory and
#    always removes it, even when the body raises.

# %%
check("ex11_workspace")

# %% [markdown]
# ## Quiz

# %%
from course_utils import quiz

quiz("11")

# %% [markdown]
# ## Summary
# - A blocking call inside `async def` (`time.sleep`, a sync SDK or HTTP client, an async-in-name
#   library) freezes the whole loop: the `LagMonitor` shows the spikes, timelines show everyone
#   else queued.
# - `asyncio.to_thread` moves blocking I/O to a thread; the default pool has
#   `min(32, cpu_count + 4)` threads, so give big fan-outs their own pool via `run_in_executor`.
# - CPU-bound Python needs processes (`ProcessPoolExecutor`): threads can't beat the GIL, and
#   processes only help when cores are idle.
# - Give each agent its own directory; `aiofiles` keeps file I/O off the loop.
# - Async context managers (`@asynccontextmanager`, `__aenter__`/`__aexit__`, `AsyncExitStack`)
#   guarantee teardown, on success and on error.
