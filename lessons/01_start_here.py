# %% [markdown]
# # 01 · Start here
#
# An LLM agent spends most of its life waiting: for the model, for tools, for the network.
# This course teaches you to make that waiting overlap. First, meet the tools you will measure it with.
#
# ## Learning objectives
# - Run notebook cells, including cells that `await` at the top level.
# - Read figures in *course seconds* and change their speed with `COURSE_TIME_SCALE`.
# - Check that your machine is ready with `doctor()`.
# - Call the simulated LLM: complete, stream, seed, choose a model, read its usage.
# - Point the same code at a real provider without ever printing your key.

# %% [markdown]
# ## How to use this course
#
# Each lesson is a notebook. Run the cells from top to bottom with **Shift+Enter**; if you get
# lost, use *Kernel → Restart Kernel and Run All Cells*. A few cells fail **on purpose** to show
# a bug before its fix: their first line says so, and the next cell explains what happened.
#
# Notebooks let you write `await` at the top level of a cell, outside any `async def`. Plain
# Python scripts cannot do that; lesson 03 shows why. Try it: this cell waits one course second.

# %%
import os
import time

from course_utils import PRESETS, SimulatedLLM, clock, config, doctor, settings
from course_utils.provider import connect

with clock.Stopwatch() as sw:
    await clock.sleep(1.0)  # top-level await: no asyncio.run() needed in a notebook
print(f"waited {sw.elapsed:.2f} course seconds")
assert sw.elapsed >= 1.0

# %% [markdown]
# ## Course seconds and `COURSE_TIME_SCALE`
#
# Every latency in the course is written in **course seconds**: a tool takes 0.3 s, a model
# answers in about half a second. `COURSE_TIME_SCALE` says how many *real* seconds one course
# second lasts. At the default `1.0` you feel the waits; the test suite runs at `0.05`, twenty
# times faster. Every figure the course prints is converted back to course seconds, so the
# numbers read the same at any scale.
#
# Here is one model call timed both ways: its reported latency (course seconds) and a plain
# `time.perf_counter()` around it (real seconds). Their ratio is the scale.

# %%
llm = SimulatedLLM()  # the course's default model and seed
cfg = settings()
print(cfg)

t0 = time.perf_counter()
answer = await llm.complete("Summarize: why does an agent spend most of its time waiting?")
real_seconds = time.perf_counter() - t0

print(f"course seconds: {answer.latency:.3f}")
print(f"real seconds:   {real_seconds:.3f}")
print(f"real / course = {real_seconds / answer.latency:.3f}   (COURSE_TIME_SCALE = {cfg.time_scale:g})")
assert abs(real_seconds / answer.latency / cfg.time_scale - 1) < 0.1

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
# The course's LLM is a simulator: no key, no network, no cost, and the same answer for the same
# question and seed. It behaves like a provider where it matters for async code: answers take
# time, longer prompts and answers take longer, and later lessons switch on rate limits, errors
# and dropped streams.
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
# the tokens as they are generated: the first arrives long before the answer is complete. The
# gap between them is what lesson 09 exploits.

# %%
stream = llm.stream("Describe streaming responses in chat interfaces.")
async for token in stream:
    print(token, end="", flush=True)

total = stream.completion.latency
print(f"\n\nfirst token after {stream.ttft:.2f} s; whole answer after {total:.2f} s")
assert stream.ttft < 0.6 * total

# %% [markdown]
# ### Same seed, same answer
#
# Two clients with the same seed give the same text; another seed gives another text. That is
# why the lessons can assert their numbers, and why a bug you see, your instructor sees too.
# (Measured latencies also include the event loop's own noise, so they agree closely, not exactly.)

# %%
question = "Why do agents wait on tool calls?"
a = await SimulatedLLM(seed=7).complete(question)
b = await SimulatedLLM(seed=7).complete(question)
c = await SimulatedLLM(seed=8).complete(question)
print("seed 7:", a.text)
print("seed 7:", b.text)
print("seed 8:", c.text)
assert a.text == b.text
assert a.text != c.text

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
assert large.latency > 3 * fast.latency

# %% [markdown]
# ### Usage metrics
#
# Every client counts its calls, tokens, failures and latencies in `llm.usage`. You will use it
# to check that a rate limiter really limited, or that a retry really retried.

# %%
print(llm.usage)
assert llm.usage.calls == 4  # the first call, the stream, the fast and the large call
assert llm.usage.failures == 0
llm.usage.summary()

# %% [markdown]
# ## Using a real provider instead
#
# `connect()` is the course's way to get a client. With nothing set it returns the simulator;
# with these environment variables it returns a client for any OpenAI-compatible endpoint (OpenAI,
# Ollama, vLLM...) with the same `complete` and `stream` methods, so the lesson code does not change:
#
# | variable | example | meaning |
# |---|---|---|
# | `COURSE_LLM_BASE_URL` | `http://localhost:11434/v1` | the endpoint (here Ollama) |
# | `COURSE_MODEL` | `llama3.2` | the model to ask |
# | `COURSE_LLM_API_KEY` | *your key* | read from the environment only, never printed |
#
# Set them in the terminal before `python3 run.py lab`, never in a notebook cell: a key typed in
# a cell is saved in the notebook file. The measured claims in the lessons assume the simulator;
# with a real model, the figures vary.
#
# You can try the switch right now: the course ships a local server that speaks the OpenAI API
# (lesson 10 takes it apart). This cell starts it, points the variables at it with a made-up key,
# and asks it a question through the very same `connect()`.

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
        real = connect()
        print(real)
        reply = await real.complete("Say hello to a new student of async Python.")
        print(f"{reply.text}  ({reply.latency:.2f} course s)")
        await real.aclose()
    finally:  # put your own settings back for the rest of the course
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value

assert type(real).__name__ == "OpenAICompatibleLLM" and reply.text
assert fake_key not in shown and fake_key not in repr(real)
assert settings() == before
print("back to:", type(connect()).__name__)

# %% [markdown]
# The settings say *whether* a key is set, never what it is. Back without the variables,
# `connect()` returns the simulator again.

# %% [markdown]
# ## The course map
#
# | # | Lesson | You will |
# |---|--------|----------|
# | 01 | Start here | meet the simulated LLM, the time scale and `doctor()` |
# | 02 | [Why async](02_why_async.ipynb) | measure sync vs async tool calls; I/O-bound vs CPU-bound |
# | 03 | [The event loop](03_event_loop.ipynb) | see what it schedules; `await` in Jupyter vs `asyncio.run` |
# | 04 | [Coroutines and tasks](04_coroutines_and_tasks.ipynb) | create, name, keep and inspect tasks |
# | 05 | [Running many at once](05_many_at_once.ipynb) | `gather`, `as_completed`, `wait`, `TaskGroup`, `except*` |
# | 06 | [Limiting concurrency](06_limiting_concurrency.ipynb) | semaphores, token buckets, 429s, adaptive limits, aiolimiter |
# | 07 | [Timeouts, cancellation, retries](07_timeouts_retries.ipynb) | backoff with jitter and Retry-After, tenacity, fallbacks |
# | 08 | [Queues, pools, pipelines](08_queues_pools_pipelines.ipynb) | worker pools, backpressure, multi-stage agents, shutdown |
# | 09 | [Streaming](09_streaming.ipynb) | async generators, live tokens, cancelling a stream |
# | 10 | [HTTP with httpx](10_httpx.ipynb) | connection reuse, pool limits, SSE, the openai SDK |
# | 11 | [Sync meets async](11_sync_meets_async.ipynb) | finding blocking code, threads, processes, async files |
# | 12 | [Pitfalls and debugging](12_pitfalls_debugging.ipynb) | the classic bugs, debug mode, metrics, a TTL cache |
# | 13 | [Testing async code](13_testing_async.ipynb) | pytest-asyncio, mock agents, virtual time |
# | 14 | [Background work and events](14_background_events.ipynb) | periodic tasks, webhooks, clean shutdown |
# | 15 | [Capstone](15_capstone.ipynb) | a multi-agent research service, measured end to end |
#
# Lessons 02-04 are the foundations; after that, dip into what your agent needs.

# %% [markdown]
# ## Exercises
#
# This lesson has no graded exercise; the first one is in lesson 02. Before you move on, try
# two things in a new cell: ask `SimulatedLLM(seed=...)` the same question with three seeds, and
# stream an answer from `config.LARGE_MODEL` to feel how much slower its first token is.
#
# From lesson 02 on, each exercise lives in `exercises/`; you edit the file, then run
# `check("ex02_student_report")` in the lesson to test it, and `hint("ex02_student_report")` if
# you are stuck.

# %% [markdown]
# ## Quiz

# %%
from course_utils import quiz

quiz("01")

# %% [markdown]
# ## Summary
# - Top-level `await` works in notebook cells; scripts need `asyncio.run()` (lesson 03).
# - Figures are course seconds; `COURSE_TIME_SCALE` sets how many real seconds one lasts.
# - `doctor()` checks your setup and says how to fix what fails.
# - The simulated LLM completes and streams, is deterministic for a seed, has fast and large
#   presets, and counts its usage in `llm.usage`.
# - `connect()` returns the simulator, or a real OpenAI-compatible client when
#   `COURSE_LLM_BASE_URL` is set; keys come from the environment and are never printed.
