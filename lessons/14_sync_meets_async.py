# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # 14 · When sync meets async
#
# One `time.sleep` inside `async def` freezes every agent on the loop, not just its own. This
# lesson shows how to catch blocking and where to move each kind of work.
#
# ## Learning objectives
# - Spot blocking calls inside `async def` (a sync SDK, `input()`) with the `LagMonitor`.
# - Move blocking code to threads with `asyncio.to_thread` / `loop.run_in_executor`, size the
#   pool, and know that a thread cannot be cancelled.
# - Run CPU-bound work in a `ProcessPoolExecutor` (threads cannot, with the GIL).
# - Give each agent an isolated memory directory in an async context manager.

# %%
import asyncio
import contextvars
import functools
import multiprocessing
import os
import shutil
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

import aiofiles
import httpx

from course_utils import (LagMonitor, Timeline, compare_many, config, connect, connect_sync, plots,
                          settings, simulated, sync_tools, tools)
from course_utils.serving import serve_async
from course_utils.stand_ins import typing_user

loop = asyncio.get_running_loop()
server = AsyncExitStack()
base_url = await server.enter_async_context(serve_async())  # for the sync HTTP client below

# %% [markdown]
# ## One blocking agent freezes everybody
#
# Here is an agent written in a hurry. Its steps look innocent, and each one blocks the thread,
# as `time.sleep` would:
# - a **sync tool** (`sync_tools.get_grades`, a blocking database driver),
# - an LLM client that is **async in name only** (`connect(blocking=True)` blocks inside
#   `async def`; wrappers like that exist in the wild),
# - a **sync HTTP client** (`httpx.Client().post`, just like `requests.post`).
#
# Three well-behaved agents (five 0.3 s tool calls each) share the loop with it. The
# `LagMonitor` measures how late the loop runs its heartbeat; the `Timeline` records every task.

# %%
blocking_llm = connect(config.LARGE_MODEL, blocking=True)
http = httpx.Client()
body = {"model": settings().model, "messages": [{"role": "user", "content": "Summarize grades"}],
        "max_tokens": 20}


async def hasty_agent():
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
assert bad_lag.blocked, "the monitor saw the loop blocked"
bad_lag.plot(title="Event-loop lag while the hasty agent runs: one spike per blocking call")

# %% [markdown]
# Each spike is the loop frozen: the heartbeat could not run, and neither could anything else. The
# biggest is the "async" LLM call: `await` in front of a function does not make it non-blocking.
#
# ## The fix: blocking code goes to a thread
#
# `await asyncio.to_thread(fn, *args)` runs a sync function in a worker thread and lets the loop
# carry on; the awaiting task resumes when the function returns. Blocking I/O releases the GIL
# while it waits, so the loop's thread keeps running. For the "async in name only" client, use a
# client that really is async, or run a sync client (`connect_sync()`) in a thread.
#
# The fixed agent: async tools where they exist, sync ones in threads, independent steps at once.

# %%
sync_llm = connect_sync(config.LARGE_MODEL)


async def fixed_agent():
    grades, _ = await asyncio.gather(
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

polite = [t for t in bad_tl.tasks if t.label == "polite_agent"]
print("hasty:", bad_lag.report(), "| polite agents queued:", [f"{t.queued:.2f} s" for t in polite])
print("fixed:", good_lag.report())
if simulated():  # a real SDK parses its replies in the threads, holding the GIL now and then
    assert good_lag.max_lag < 0.7 * bad_lag.max_lag, "the worst lag is clearly lower"
    assert all(t.queued > 0.3 * t.duration for t in polite), "the polite agents spent a lot of time queued"
else:
    print("(real endpoint: the simulator-only checks here are skipped)")
plots.plot_comparison(bad_tl, good_tl, labels=["blocking on the loop", "in threads"], speedup=True)

# %% [markdown]
# The worst lag is clearly lower (a busy machine adds some), the polite agents no longer
# queue (the red in the timelines), and the run is faster: the fixed agent's steps overlap too.
#
# `loop.run_in_executor(executor, fn, *args)` is the older, more general form: it takes an
# explicit executor (a thread pool or a process pool) but no keyword arguments, so use
# `functools.partial` for those. `asyncio.to_thread(fn, *args, **kwargs)` runs in the loop's
# default executor too, and also carries over **context variables**.
#
# ### Context variables, in brief
#
# A `contextvars.ContextVar` follows the *flow of work*, not the thread: each task gets its own
# copy of the context when it is created, so two concurrent requests can each set a `request_id`
# without seeing the other's, and a logger deep in sync code can read it. `to_thread` copies the
# caller's context into the worker thread; `run_in_executor` does not:

# %%
request_id = contextvars.ContextVar("request_id", default="-")


def log_line(message):                  # sync code deep inside a library
    return f"[{request_id.get()}] {message}"


async def handle(rid):
    request_id.set(rid)                 # visible to this task only
    with_to_thread = await asyncio.to_thread(log_line, "fetched grades")
    with_executor = await loop.run_in_executor(None, log_line, "fetched grades")
    return with_to_thread, with_executor


lines = await asyncio.gather(handle("req-1"), handle("req-2"))
print(lines)
assert lines == [("[req-1] fetched grades", "[-] fetched grades"),
                 ("[req-2] fetched grades", "[-] fetched grades")], "to_thread copies the context"

# %% [markdown]
# ## How many threads? The default executor's limit
#
# `to_thread` uses the loop's **default** `ThreadPoolExecutor`, whose size is
# `min(32, (os.cpu_count() or 1) + 4)` in Python 3.8 to 3.12 (this course's 3.11 included) and
# `min(32, (os.process_cpu_count() or 1) + 4)` from 3.13 (the CPUs *this process* may use).
# Beyond that, calls queue for a thread. Fan out twice as many calls to a *sync* LLM SDK: the
# default pool needs two rounds, a pool sized for I/O needs one.

# %%
cpus = os.process_cpu_count() if hasattr(os, "process_cpu_count") else os.cpu_count()  # 3.13+
default_threads = min(32, (cpus or 1) + 4)
questions = [f"Summarize chapter {i}" for i in range(2 * default_threads)]
ask = functools.partial(sync_llm.complete, max_tokens=20)   # keyword arguments: use partial
io_pool = ThreadPoolExecutor(max_workers=len(questions), thread_name_prefix="llm-io")


async def via_default_pool():
    return await asyncio.gather(*(asyncio.to_thread(ask, q) for q in questions))


async def via_own_pool():
    return await asyncio.gather(*(loop.run_in_executor(io_pool, ask, q) for q in questions))


default = f"to_thread\n(default pool, {default_threads} threads)"
own = f"run_in_executor\n(own pool, {len(questions)} threads)"
timings = await compare_many({default: via_default_pool, own: via_own_pool})
io_pool.shutdown()
print(f"{len(questions)} blocking LLM calls: default pool {timings[default]:.2f} s, "
      f"own pool {timings[own]:.2f} s -> {timings.speedup(own):.1f}x")
low, high = (1.3, 3.0) if simulated() else (1.0, 10.0)  # a real endpoint's latency varies per call
assert low < timings.speedup(own) < high, "about 2x: two rounds vs one"
plots.plot_speedup(timings, title=f"{len(questions)} calls to a blocking LLM SDK, in threads")

# %% [markdown]
# Two rounds instead of one: about 2x. Hand a dedicated pool to `run_in_executor` (or replace the
# default with `loop.set_default_executor`) when an agent fans out to a blocking SDK; size it for
# the fan-out you need (each thread costs a stack, and the library may have its own limits).
#
# ### A thread cannot be cancelled
#
# A timeout around `await asyncio.to_thread(...)` cancels the *await*, on time. The function in
# the thread runs on to the end, holding its pool slot: watch a one-thread pool stay busy.

# %%
def slow_search():                               # 1.5 s of blocking I/O
    return [sync_tools.search_web(query) for query in ("flights", "hotels", "trains")]


one_slot = ThreadPoolExecutor(max_workers=1)
start = loop.time()
try:
    async with asyncio.timeout(0.1):
        await loop.run_in_executor(one_slot, slow_search)
except TimeoutError:
    gave_up = loop.time() - start
await loop.run_in_executor(one_slot, sync_tools.get_weather, "Oslo")   # needs the same slot
next_done = loop.time() - start
one_slot.shutdown()
print(f"gave up after {gave_up:.2f} s; the next job finished at {next_done:.2f} s")
busy = 3 * tools.LATENCY["search_web"] + tools.LATENCY["get_weather"]
assert next_done > 0.85 * busy and next_done - gave_up > 2 * tools.LATENCY["get_weather"], \
    "the abandoned search kept its thread to the end"

# %% [markdown]
# The next job waited for a search nobody wanted any more. Put timeouts *inside* blocking code
# (`httpx.Client(timeout=...)`): a timeout around a thread means "stop waiting", not "stop working".
#
# ## The blocking `input()` in a chat loop
#
# A terminal chat agent often starts as `line = input("you> ")` inside `async def`. `input()`
# blocks the loop's thread until the user presses Enter: no streaming, no heartbeat, no
# background task runs meanwhile. A notebook has no terminal, so `typing_user` stands in for
# `input()`, blocking the same way, 0.4 s per line (three lines, then "quit"). A heartbeat
# counts how often the loop gets to run it.

# %%
async def chat(read_line):
    beats = 0

    async def heartbeat():                         # stands for any other work on the loop
        nonlocal beats
        while True:
            await asyncio.sleep(0.05)
            beats += 1

    beating = asyncio.create_task(heartbeat())
    try:
        while (line := await read_line("you> ")) != "quit":
            pass                                   # ... ask the agent, print its answer
    finally:
        beating.cancel()
        await asyncio.gather(beating, return_exceptions=True)
    return beats


async def read_blocking(prompt):
    return user(prompt)                            # like input(prompt): the loop stops


async def read_in_thread(prompt):
    return await asyncio.to_thread(user, prompt)   # like asyncio.to_thread(input, prompt)


LINES = ["hello", "what is backpressure?", "thanks"]
user = typing_user(LINES, seconds_per_line=0.4)
blocked_beats = await chat(read_blocking)
user = typing_user(LINES, seconds_per_line=0.4)
free_beats = await chat(read_in_thread)
print(f"heartbeats while the user typed for 1.6 s: input() on the loop {blocked_beats}, in a thread {free_beats}")
assert blocked_beats <= 2 and free_beats >= 8, "input() on the loop starves every other task"

# %% [markdown]
# ## CPU-bound work: processes, not threads
#
# Some steps compute instead of waiting: parsing a big PDF, ranking embeddings, a simulation.
# `tools.crunch_numbers` is such a step (pure Python arithmetic). In CPython with the **GIL**
# (every build up to 3.12, and the default build of 3.13 and 3.14) a thread running Python code
# holds that lock, so two threads never run Python at the same time: threads keep the loop free,
# but they don't make CPU work faster. Separate **processes** each have their own interpreter,
# and run on separate cores. (The free-threaded builds of 3.13 and 3.14, `python3.13t` and
# `python3.14t`, have no GIL: `sys._is_gil_enabled()` returns `False` there, and threads can run
# Python on several cores at once.)
#
# CPU timings are noisy when other programs share the machine, so each variant runs twice,
# interleaved, and we keep the best time of each. We also count **cores busy** while the threads
# run: CPU seconds the process used divided by wall seconds. With the GIL it cannot exceed one.

# %%
jobs = 4
units = tools.work_units_for(0.3)          # about 0.3 s of CPU per job on an idle machine
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
for _ in range(2):
    run = await compare_many(variants)
    assert all(list(r) == run.results["serial"] for r in run.results.values()), "same results"
    best = {k: min(best.get(k, float("inf")), run[k]) for k in variants}
process_pool.shutdown()

process_speedup = best["serial"] / best[f"{workers} processes"]
print(f"best of 2: serial {best['serial']:.2f} s, {jobs} threads {best[f'{jobs} threads']:.2f} s, "
      f"{workers} processes {best[f'{workers} processes']:.2f} s")
print(f"cores busy while the threads ran: at most {max(thread_cores):.2f}")
gil = sys._is_gil_enabled() if hasattr(sys, "_is_gil_enabled") else True  # the function is 3.13+
if gil:
    assert max(thread_cores) < 1.15, "with the GIL, four threads never use more than one core"
idle_cores = (os.cpu_count() or 1) - busy
if workers >= 2 and idle_cores >= 1.5:             # a speedup needs a spare core to run on
    print(f"~{idle_cores:.1f} idle cores: processes {process_speedup:.1f}x faster than serial")
    assert process_speedup > 1.3, "processes on idle cores beat serial"
else:
    print(f"~{max(idle_cores, 0):.1f} idle cores: no speedup to expect ({process_speedup:.1f}x here)")
plots.plot_speedup(best, title="The same CPU work: serial, in threads, in processes")

# %% [markdown]
# With the GIL, four threads never kept more than one core busy, so they were no faster than
# serial. Processes help only when idle cores exist (the cell checked the load first: a busy
# laptop or a shared CI runner may have none). Rules of thumb: I/O-bound sync code goes to a **thread**; CPU-bound Python code goes to a
# **process**; and for numeric work, libraries like NumPy release the GIL inside their C code, so
# threads do help there.
#
# A process pool sends the function and its arguments to the worker **pickled**, and a function
# is pickled by name: `__main__.score`. A *forked* worker (Linux's default up to 3.13) is a copy
# of the kernel and finds it; a *spawned* or *forkserver* worker starts a fresh interpreter that
# has no notebook to look in (spawn is the default on macOS and Windows, forkserver on Linux from
# 3.14). So a function defined in a notebook cell fails there; put it in a module (as
# `tools.crunch_numbers` is) and import it.

# %%
def score(document):                       # defined in the notebook, i.e. in __main__
    return len(document.split())


spawn, outcomes = multiprocessing.get_context("spawn"), {}
for where, job in (("defined in the notebook", functools.partial(score, "a short document")),
                   ("imported from a module", functools.partial(tools.crunch_numbers, 0.01))):
    with ProcessPoolExecutor(max_workers=1, mp_context=spawn) as spawned:
        try:
            await loop.run_in_executor(spawned, job)
            outcomes[where] = "ran"
        except Exception as error:         # the worker died unpickling __main__.score
            outcomes[where] = type(error).__name__
print(outcomes)
assert outcomes == {"defined in the notebook": "BrokenProcessPool", "imported from a module": "ran"}, \
    "a spawned worker cannot find a function defined in the notebook"

# %% [markdown]
# ## Files: per-agent memory with `aiofiles`
#
# Give each agent its own directory (`tempfile.mkdtemp()`) and write notes with `aiofiles`,
# whose file operations you `await` (each runs in the default executor, like `to_thread`). The
# directory lives in an **async context manager**: removed on exit, even when the agent crashes.

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


llm = connect()
seen_dirs = {}


async def research_agent(name, topic):
    async with agent_memory(name) as memory:
        seen_dirs[name] = memory
        await remember(memory, "question", topic)
        draft = await llm.complete(f"Research notes on {topic}")
        await remember(memory, "draft", draft.text)
        return await recall(memory)          # everything this agent can see


topics = {"ada": "rate limits", "grace": "streaming", "linus": "timeouts"}
memories = await asyncio.gather(*(research_agent(name, topic) for name, topic in topics.items()))

for (name, topic), notes in zip(topics.items(), memories):
    print(f"{name:6} sees {sorted(notes)}, question: {notes['question']!r}")
    assert sorted(notes) == ["draft", "question"] and notes["question"] == topic, "only its own notes"
assert len({str(d) for d in seen_dirs.values()}) == 3, "three separate directories"

try:
    async with agent_memory("crash") as memory:       # an agent that crashes...
        seen_dirs["crash"] = memory
        raise RuntimeError("the tool returned garbage")
except RuntimeError as error:
    print("agent failed:", error)
assert not any(d.exists() for d in seen_dirs.values()), "all cleaned up, the crashed one too"
http.close()
await server.aclose()           # the lesson's server is no longer needed

# %% [markdown]
# ## Exercises
#
# 1. [`exercises/ex14_offload.py`](../exercises/ex14_offload.py): run a blocking function on many
#    arguments off the loop, at most `max_threads` at a time, results in order.

# %%
from course_utils import check, hint  # noqa: E402

check("ex14_offload")

# %% [markdown]
# 2. [`exercises/ex14_workspace.py`](../exercises/ex14_workspace.py): an async context manager
#    yielding a private directory, always removed (off the loop), even when the body raises.

# %%
check("ex14_workspace")

# %% [markdown]
# ## Quiz

# %%
from course_utils import quiz  # noqa: E402

quiz("14")

# %% [markdown]
# ## Summary
# - A blocking call inside `async def` (`time.sleep`, `input()`, a sync SDK or HTTP client, an
#   async-in-name library) freezes the whole loop: the `LagMonitor` shows the spikes.
# - `asyncio.to_thread` moves blocking I/O to a thread (and copies context variables); the
#   default pool has `min(32, cpus + 4)` threads (`os.cpu_count()` before 3.13,
#   `os.process_cpu_count()` from 3.13), so give big fan-outs their own pool. A timeout stops
#   the wait, not the thread.
# - CPU-bound Python needs processes while there is a GIL, with functions imported from a
#   module; processes only help when cores are idle.
# - Async context managers (`@asynccontextmanager`, or a class with `__aenter__`/`__aexit__`)
#   guarantee teardown, on success and on error; `aiofiles` keeps file I/O off the loop.
