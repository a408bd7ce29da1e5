# %% [markdown]
# # 01 · Start here
#
# An LLM agent spends most of its life waiting: for the model, for tools, for the network.
# This course teaches you to make that waiting overlap. First, meet the tools you will measure it with.
#
# ## Learning objectives
# - Run notebook cells, including cells that `await` at the top level.
# - Read every duration in *course seconds*, and change the course's speed with `COURSE_TIME_SCALE`.
# - Check that your machine is ready with `doctor()`.
# - Call the course's LLM through `connect()`: complete, stream, seed, choose a model, read its usage.
# - Point the same code at a real OpenAI-compatible endpoint without ever printing your key.

# %% [markdown]
# ## How to use this course
#
# Each lesson is a notebook. Run the cells from top to bottom with **Shift+Enter**; if you get
# lost, use *Kernel → Restart Kernel and Run All Cells*. A few cells fail **on purpose** to show
# a bug before its fix: their first line is a comment that says
# `# This cell fails on purpose: ...` and what you will see, and the next cell explains it.
#
# Notebooks let you write `await` at the top level of a cell, outside any `async def`. Plain
# Python scripts cannot do that; lesson 03 shows why. Try it: this cell waits two seconds.

# %%
import asyncio
import os
import time

import course_utils  # every lesson starts with this import: it puts the notebook on course time
from course_utils import PRESETS, config, connect, doctor, settings, simulated

loop = asyncio.get_running_loop()
start = loop.time()
await asyncio.sleep(2)  # top-level await: no asyncio.run() needed in a notebook
elapsed = loop.time() - start
print(f"waited {elapsed:.2f} s by the loop's clock")
assert elapsed >= 2, "asyncio.sleep(2) never returns early"

# %% [markdown]
# ## Course time and `COURSE_TIME_SCALE`
#
# Every duration in the course is in **course seconds**, and the code you read and write is plain
# asyncio: `await asyncio.sleep(2)`, `asyncio.timeout(2)`, `loop.time()`. The only trick is below
# your code: importing `course_utils` makes this kernel's event loop run on a clock that
# `COURSE_TIME_SCALE` can speed up.
#
# - At the default `COURSE_TIME_SCALE=1`, a course second **is** a real second: the cell above
#   really waited two seconds, exactly as it would in your own project.
# - The test suite runs at `COURSE_TIME_SCALE=0.05`: the very same cells run twenty times faster,
#   and every figure still reads in course seconds, because the loop's clock (`loop.time()`),
#   `asyncio.sleep`, `asyncio.timeout` and the simulated model all count in course seconds.
# - `time.perf_counter()` measures **real** seconds. The course only uses it here, to show you the
#   scale; measure your own code with `loop.time()`, asyncio's monotonic clock.
# - Threads and other processes do not run on the loop, so they are on real time; the course's
#   tools and its blocking (sync) tools scale themselves, so lessons that use threads still agree.
#
# (The machinery lives in `course_utils.clock`; you never need to call it.) Here is one model call
# timed both ways. The ratio of real to course seconds is the scale:

# %%
llm = connect()  # the course's LLM: the simulator unless you switch to a real endpoint (below)
cfg = settings()
print(cfg)

real_start, course_start = time.perf_counter(), loop.time()
answer = await llm.complete("Summarize: why does an agent spend most of its time waiting?")
real_seconds, course_seconds = time.perf_counter() - real_start, loop.time() - course_start

print(f"course seconds: {course_seconds:.3f}   real seconds: {real_seconds:.3f}")
print(f"real / course = {real_seconds / course_seconds:.3f}   (COURSE_TIME_SCALE = {cfg.time_scale:g})")
assert abs(real_seconds / course_seconds / cfg.time_scale - 1) < 0.2, "real time = course time x scale"

# %% [markdown]
# To change the speed, set the variable before you start JupyterLab, for example
# `COURSE_TIME_SCALE=0.2 python3 run.py lab` (a 5x faster course). `COURSE_SEED` (default 42)
# fixes every simulated text, latency and failure, so your numbers match your neighbour's.

# %% [markdown]
# ## Is your machine ready? `doctor()`
#
# `doctor()` checks Python, every package the course needs, the settings, the local network the
# later lessons use, and that this kernel can `await` at the top level. Each failing line says how
# to fix it. From a terminal, `python3 run.py doctor` runs the same checks.

# %%
ready = doctor()

# %% [markdown]
# ## Meet the simulated LLM
#
# By default `connect()` gives you a simulator: no key, no network, no cost, and the same answer
# for the same question and seed. It behaves like a provider where it matters for async code:
# answers take time, longer prompts and answers take longer, and later lessons switch on rate
# limits, errors and dropped streams.
#
# `await llm.complete(prompt)` returns a `Completion`: the text plus what you would bill and
# debug with.

# %%
print(answer.text, "\n")
print(f"model={answer.model}  request_id={answer.request_id}")
print(f"tokens: {answer.prompt_tokens} in + {answer.completion_tokens} out = {answer.total_tokens}")
print(f"latency: {answer.latency:.2f} course s")

# %% [markdown]
# ### Streaming
#
# A chat UI should not stare at a blank screen until the last token. `llm.stream(prompt)` gives
# the tokens as they are generated: the first arrives long before the answer is complete.
#
# You read them with `async for`: a `for` loop whose next item may have to be waited for, so
# the loop can run other work meanwhile (lesson 12 builds one). Its sibling `async with` is a
# `with` block whose entering and leaving may wait (lesson 06 uses one to run tasks as a group).

# %%
stream = llm.stream("Describe streaming responses in chat interfaces.")
async for token in stream:
    print(token, end="", flush=True)

total = stream.completion.latency
print(f"\n\nfirst token after {stream.ttft:.2f} s; whole answer after {total:.2f} s")
if simulated():
    assert stream.ttft < 0.6 * total, "the first token arrives well before the last"
else:
    print("(a real endpoint: timings vary, the check is skipped)")

# %% [markdown]
# ### Same seed, same answer
#
# Two simulated clients with the same seed give the same text; another seed gives another text.
# That is why the lessons can assert their numbers, and why a bug you see, your instructor sees
# too. (A real model may ignore the seed: then the check says so and is skipped.)

# %%
question = "Why do agents wait on tool calls?"
a = await connect(seed=7).complete(question)
b = await connect(seed=7).complete(question)
c = await connect(seed=8).complete(question)
print("seed 7:", a.text)
print("seed 7:", b.text)
print("seed 8:", c.text)
if simulated():
    assert a.text == b.text, "same seed, same text"
    assert a.text != c.text, "another seed, another text"
else:
    print("(a real endpoint: the same-seed check is skipped)")

# %% [markdown]
# ### Model presets
#
# The simulator knows a few models, each with its own speed. Lessons never write a model name in
# a cell: they use `settings().model` (your default) or `config.LARGE_MODEL`.

# %%
for preset in PRESETS.values():
    print(preset.describe())

# %% [markdown]
# A large model thinks longer before its first token, writes more slowly, and writes more. The
# same question costs several times as much waiting, here more than 3x:

# %%
prompt = "Plan the steps to compare three laptops for a student."
fast = await llm.complete(prompt)  # the default model
large = await llm.complete(prompt, model=config.LARGE_MODEL)
print(f"{fast.model}: {fast.completion_tokens} tokens in {fast.latency:.2f} s")
print(f"{large.model}: {large.completion_tokens} tokens in {large.latency:.2f} s")
print(f"the large model took {large.latency / fast.latency:.1f}x as long")
if simulated():
    assert large.latency > 3 * fast.latency, "the large preset is over 3x slower"
else:
    print("(a real endpoint: the preset check is skipped)")

# %% [markdown]
# ### Usage metrics
#
# Every client counts its calls, tokens, failures and latencies in `llm.usage`. You will use it
# to check that a rate limiter really limited, or that a retry really retried.

# %%
print(llm.usage)
assert llm.usage.calls == 4, "the first call, the stream, the fast and the large call"
assert llm.usage.failures == 0, "no call failed"
llm.usage.summary()

# %% [markdown]
# ## Using a real endpoint instead
#
# `connect()` is the one way lessons get a client. With nothing set it returns the simulator;
# with these environment variables it returns a client for any OpenAI-compatible endpoint (OpenAI,
# Ollama, vLLM...) with the same `complete` and `stream` methods, so no lesson code changes:
#
# | variable | example | meaning |
# |---|---|---|
# | `COURSE_LLM_BASE_URL` | `http://localhost:11434/v1` | the endpoint (here Ollama) |
# | `COURSE_MODEL` | `llama3.2` | the model to ask |
# | `COURSE_LLM_API_KEY` | *your key* | read from the environment only, never printed |
#
# Set them in the terminal before `python3 run.py lab`, never in a notebook cell: a key typed in
# a cell is saved in the notebook file. Knobs only the simulator has (seeded faults, rate limits)
# are ignored on a real endpoint with a one-time note, and checks that only hold for the
# simulator say that they are skipped. With a real model, the figures vary.
#
# You can try the switch right now: the course ships a local server that speaks the OpenAI API
# (lesson 13 takes it apart). This cell starts it, points the variables at it with a made-up key,
# and asks it a question through the very same `connect()`. `async with` starts the server and
# stops it when the block ends, even if something inside fails.

# %%
from course_utils.serving import serve_async

fake_key = "sk-demo-0000-not-a-real-key"
variables = ("COURSE_LLM_BASE_URL", "COURSE_LLM_API_KEY")
saved = {name: os.environ.get(name) for name in variables}
before = settings()
async with serve_async() as base_url:
    os.environ["COURSE_LLM_BASE_URL"] = base_url
    os.environ["COURSE_LLM_API_KEY"] = fake_key
    try:
        shown = repr(settings())
        print(shown)
        async with connect() as real:
            print(real)
            reply = await real.complete("Say hello to a new student of async Python.")
            print(f"{reply.text}  ({reply.latency:.2f} course s)")
    finally:  # put your own settings back for the rest of the course
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value

assert type(real).__name__ == "OpenAICompatibleLLM", "a real client, not the simulator"
assert reply.text, "the server answered"
assert fake_key not in shown and fake_key not in repr(real), "the key is never shown"
assert settings() == before, "your settings are back"
print("back to:", type(connect()).__name__)

# %% [markdown]
# The settings say *whether* a key is set, never what it is. Back without the variables,
# `connect()` returns what it returned before.

# %% [markdown]
# ## The course map
#
# | # | Lesson | You will |
# |---|--------|----------|
# | 01 | Start here | meet course time, `doctor()` and the LLM behind `connect()` |
# | 02 | [Why async](02_why_async.ipynb) | measure sync vs async tool calls; I/O-bound vs CPU-bound |
# | 03 | [The event loop](03_event_loop.ipynb) | predict what runs next; futures; `await` in Jupyter vs `asyncio.run` |
# | 04 | [Coroutines and tasks](04_coroutines_and_tasks.ipynb) | create, name, keep, cancel and inspect tasks |
# | 05 | [Many at once](05_many_at_once.ipynb) | `gather`, `as_completed`, `wait(FIRST_COMPLETED)` |
# | 06 | [Task groups](06_task_groups.ipynb) | `TaskGroup`, `except*`, agent panels and parallel tool calls |
# | 07 | [Limiting concurrency](07_limiting_concurrency.ipynb) | 429 storms, semaphores, Little's law, sliding windows |
# | 08 | [Rate limits](08_rate_limits.ipynb) | token buckets, races across `await`, AIMD, aiolimiter |
# | 09 | [Timeouts and cancellation](09_timeouts_cancellation.ipynb) | `asyncio.timeout`, how cancellation flows, cleanup |
# | 10 | [Retries and fallbacks](10_retries_fallbacks.ipynb) | backoff with jitter and Retry-After, tenacity, budgets |
# | 11 | [Queues, pools, pipelines](11_queues_pools_pipelines.ipynb) | worker pools, backpressure, multi-stage agents |
# | 12 | [Streaming](12_streaming.ipynb) | async generators, live tokens, cancelling a stream |
# | 13 | [HTTP with httpx](13_httpx.ipynb) | connection reuse, pool limits, SSE, the openai SDK |
# | 14 | [Sync meets async](14_sync_meets_async.ipynb) | finding blocking code, threads, processes |
# | 15 | [Pitfalls](15_pitfalls.ipynb) | missing awaits, blocking calls, lost errors, races |
# | 16 | [Debugging](16_debugging.ipynb) | debug mode, what is running now, metrics, single flight |
# | 17 | [Testing async code](17_testing_async.ipynb) | pytest-asyncio, fake agents, virtual time |
# | 18 | [Background tasks](18_background_tasks.ipynb) | periodic tasks, idempotent webhooks |
# | 19 | [Clean shutdown](19_clean_shutdown.ipynb) | events, signals, draining with a deadline |
# | 20 | [The agent loop](20_agent_loop.ipynb) | the model chooses tools; parallel calls, per-tool timeouts, error results |
# | 21 | [Streaming tools, structured output](21_streaming_tools_structured.ipynb) | start tools mid-stream, stop cleanly, typed results with `parse()` |
# | 22 | [Tools from an MCP server](22_mcp_tools.ipynb) | the official `mcp` SDK over stdio, concurrent calls on one session |
# | 23 | [Several agents](23_multi_agent.ipynb) | `a >> b` hand-offs over bounded queues, pools of stateful agents |
# | 24 | [Capstone](24_capstone.ipynb) | a model-driven multi-agent research service, measured end to end |
#
# Lessons 02-06 are the foundations; after that, dip into what your agent needs.

# %% [markdown]
# ## Exercises
#
# This lesson has no graded exercise; the first one is in lesson 02. Before you move on, try
# two things in a new cell: ask `connect(seed=...)` the same question with three seeds, and
# stream an answer from `config.LARGE_MODEL` to feel how much slower its first token is.
#
# From lesson 02 on, each exercise is a file in `exercises/`; the lesson links it (click to open
# it in the editor; the first is [ex02_student_report](../exercises/ex02_student_report.py)), you
# write your code there, then run `check("ex02_student_report")` in the lesson to test it, and
# `hint("ex02_student_report")` if you are stuck.

# %% [markdown]
# ## Quiz

# %%
from course_utils import quiz

quiz("01")

# %% [markdown]
# ## Summary
# - Top-level `await` works in notebook cells; scripts need `asyncio.run()` (lesson 03).
# - Durations are course seconds; you write plain asyncio (`asyncio.sleep`, `asyncio.timeout`,
#   `loop.time()`), and `COURSE_TIME_SCALE` sets how many real seconds a course second lasts.
# - `doctor()` checks your setup and says how to fix what fails.
# - `connect()` gives the simulated LLM: it completes and streams (`async for`), is deterministic
#   for a seed, has fast and large presets, and counts its usage in `llm.usage`.
# - With `COURSE_LLM_BASE_URL` set, `connect()` returns a real OpenAI-compatible client; keys come
#   from the environment and are never printed.
