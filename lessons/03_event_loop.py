# %% [markdown]
# # 03 · The event loop
#
# Every `await` in your agent hands control to one loop that decides what runs next. Learn its
# few rules, and "why did that run first?" becomes something you can predict.
#
# ## Learning objectives
# - Describe what the event loop does on each turn: ready callbacks, due timers, I/O.
# - Predict the order of `call_soon`, `call_later` and task steps.
# - Use a `Future`: a result that someone else sets later, which `await` waits for.
# - Read a timeline of tasks interleaving at their `await` points.
# - Use top-level `await` in Jupyter and `asyncio.run()` in scripts, and explain why
#   `asyncio.run()` fails inside a notebook.
# - Explain what `nest_asyncio` does and why you should not need it.

# %%
import asyncio
import shutil
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

from course_utils import Timeline, connect, loop_diagram, tools

llm = connect()

# %% [markdown]
# ## One loop, one thread, one queue
#
# The event loop is a plain `while` loop on one thread. Everything it runs is a *callback*: a
# function to call now (the **ready queue**), at a given time (the **timers**), or when a socket
# has data (**I/O**). Each turn it does three things:
#
# ```text
# loop, forever:
#     1. wait for I/O, but only until the next timer is due (not at all if something is ready)
#     2. move finished I/O and due timers into the ready queue
#     3. run every callback that is in the ready queue now, first in, first out
# ```
#
# A **task** is a coroutine plus a callback that runs it one step: up to its next `await` on
# something not ready yet. When that thing is done, the task's next step goes into the ready
# queue. A notebook cell is no exception: this kernel already runs a loop, and your cells run in it.

# %%
loop = asyncio.get_running_loop()
print(type(loop).__name__, "running:", loop.is_running())
assert loop.is_running(), "this kernel already runs a loop"

# %% [markdown]
# ## Predicting the order
#
# `loop.call_soon(f)` puts `f` at the end of the ready queue; `loop.call_later(delay, f)` sets a
# timer. `asyncio.create_task` schedules the task's first step with `call_soon` too. (Python 3.12
# added an opt-in alternative, `loop.set_task_factory(asyncio.eager_task_factory)`: then
# `create_task` runs the first step at once, up to its first real wait. Not the default; this
# course does not use it.) Guess the order of the list before you run the cell.

# %%
order = []


async def agent_step():
    order.append("task: first step")
    await asyncio.sleep(1.0)
    order.append("task: woke up after 1.0 s")


loop.call_later(1.5, order.append, "call_later(1.5)")
loop.call_later(0.5, order.append, "call_later(0.5)")
loop.call_soon(order.append, "call_soon A")
task = asyncio.create_task(agent_step())
loop.call_soon(order.append, "call_soon B")
order.append("cell: before its first await")

await asyncio.sleep(2.0)
order.append("cell: after the await")
order

# %%
assert order == [
    "cell: before its first await",  # nothing else runs until the cell awaits
    "call_soon A",                   # then the ready queue, first in, first out...
    "task: first step",              # ...a task's step is just another callback in it
    "call_soon B",
    "call_later(0.5)",               # timers fire in deadline order, not in the order set
    "task: woke up after 1.0 s",
    "call_later(1.5)",
    "cell: after the await",
], "the order follows the two rules below"

# %% [markdown]
# Two rules explain every line. Nothing runs while your code runs: callbacks wait until the
# current step reaches an `await` that has to wait. And the ready queue is first in, first out,
# while timers fire by deadline.
#
# Here is the same cell replayed on a toy loop that has nothing but those rules, one row per
# step. Read it top to bottom: the cell's first step fills the ready queue (blue) and the timer
# heap (orange); the loop runs the three ready callbacks; then nothing is ready, so `select()`,
# the loop's wait for I/O, sleeps until the soonest timer, and so on. The toy predicts exactly
# the order the real loop produced above.

# %%
toy = loop_diagram.predict_the_order()
assert toy.output == order, "the three-structure model predicts the real loop's order"
loop_diagram.plot_steps(toy)

# %% [markdown]
# ## Futures: a result that arrives later
#
# What does a task actually wait for at an `await`? At the bottom there is always a **future**: an
# object that will hold a result *later*, set by someone else. `loop.create_future()` makes one;
# `await future` suspends your task until somebody calls `future.set_result(value)` (or
# `set_exception`), and then the task's next step goes into the ready queue. A timer, a socket
# that became readable, another task: any of them can set it.

# %%
start = loop.time()
future = loop.create_future()
loop.call_later(1.0, future.set_result, "the tool's answer")  # someone else will set it, later
print("done yet?", future.done())

result = await future  # this cell's task sleeps until the timer sets the result
print(f"got {result!r} after {loop.time() - start:.2f} s; done now? {future.done()}")
assert result == "the tool's answer" and future.done(), "await returns what set_result stored"
assert loop.time() - start >= 1.0, "nothing set it before the timer fired"

# %% [markdown]
# `asyncio.sleep` is built exactly like that (a future plus a timer), and a task is itself a
# future whose result is its coroutine's return value. You will build your own `sleep` in the
# exercise.
#
# ## Tasks take turns at `await`
#
# `await asyncio.sleep(0)` waits for nothing: it just puts the task at the back of the ready
# queue, letting others run. Three workers doing so take perfect turns, round-robin:

# %%
log = []


async def worker(name):
    for i in range(3):
        log.append(f"{name}{i}")
        await asyncio.sleep(0)  # back of the queue: let the others run


await asyncio.gather(worker("A"), worker("B"), worker("C"))
print(" ".join(log))
assert log == ["A0", "B0", "C0", "A1", "B1", "C1", "A2", "B2", "C2"], "perfect round-robin"

# %% [markdown]
# Real agents take turns the same way, just at real waits. Here three research tasks each plan
# (a little CPU work), search the web, and ask the model for a summary. The timeline shows each
# step as a blue sliver that runs alone; the grey waits overlap freely. At the start, all three
# tasks are ready, but there is one thread, so two of them queue (orange) behind the first plan.
# Each task is named after its topic (names are covered in lesson 04).

# %%
PLAN = 0.1  # course seconds of CPU work before the first tool call


async def research(topic):
    tools.crunch_numbers(PLAN)  # plan the query: computing, so nothing else can run
    hits = await tools.search_web(topic)
    answer = await llm.complete(f"Summarize for a student: {hits[0]['snippet']}")
    return answer.text


tools.crunch_numbers(0.01)  # calibrate the CPU work once, outside the timeline
async with Timeline() as tl:
    topics = ["event loops", "tasks", "timeouts"]
    summaries = await asyncio.gather(*(asyncio.create_task(research(t), name=t) for t in topics))

before_first_step = [t.segments[0].duration if t.segments[0].state == "queued" else 0.0
                     for t in tl.tasks]
print("queued before the first step:", ", ".join(f"{s:.2f} s" for s in before_first_step))
assert before_first_step[0] < before_first_step[1] < before_first_step[2], "each waits for the plans before it"
tl.plot(title="Three research tasks on one loop")

# %% [markdown]
# ## Top-level `await` in Jupyter, `asyncio.run()` in scripts
#
# In a script no loop is running until you start one. `asyncio.run(main())` is the one entry point:
# it creates a fresh loop, runs `main()` to completion, cancels any tasks left over, shuts down
# async generators and the default thread pool, and closes the loop. Call it once, at the top of
# the program, never from inside async code.
#
# In Jupyter the kernel's loop is **already running**, and IPython runs a cell containing `await`
# as a coroutine on that loop. So in a notebook you simply `await main()`.
#
# ## The pitfall: `asyncio.run()` in a notebook
#
# Code copied from a script's `if __name__ == "__main__":` block often ends in `asyncio.run(...)`.
# In a notebook it fails:

# %% tags=["raises-exception"]
# This cell fails on purpose: RuntimeError, asyncio.run() cannot be called from a running event loop
async def main():
    answer = await llm.complete("Plan a study schedule for exam week.")
    return answer.text


asyncio.run(main())  # fails: this notebook's loop is already running

# %% [markdown]
# `asyncio.run` would make a **new** loop for `main()`; the trouble is where it would run it. One
# thread runs one loop at a time, and this thread is busy running the kernel's loop: this cell is
# one of its callbacks. To run a second loop here, `asyncio.run` would have to stay inside this
# callback until `main()` finished, and the kernel's loop, with every task on it (other cells'
# tasks, the kernel's own), would be frozen all that time. So asyncio refuses, loudly. (The
# coroutine `main()` was created but never run, which is why Python may also warn that it "was
# never awaited"; lesson 04 explains that warning.)
#
# A brand-new loop of your own fares no better, which shows the problem is the thread, not the loop:

# %%
coro = main()
try:
    asyncio.run(coro)
except RuntimeError as error:
    message = str(error)
finally:
    coro.close()  # it never ran: close it so Python does not warn about it

other_loop = asyncio.new_event_loop()
coro = main()
try:
    other_loop.run_until_complete(coro)
except RuntimeError as error:
    other_message = str(error)
finally:
    coro.close()
    other_loop.close()

print("asyncio.run:", message)
print("a new loop: ", other_message)
assert "cannot be called from a running event loop" in message, "asyncio.run refuses"
assert "another loop is running" in other_message, "this thread already runs a loop"

# %% [markdown]
# The fix in a notebook is one word: `await`.

# %%
plan = await main()
print(plan)
assert plan, "await main() works in a notebook"

# %% [markdown]
# ## `nest_asyncio`: the legacy workaround
#
# Search the error and you will find `import nest_asyncio; nest_asyncio.apply()`. It makes the
# loop *re-entrant*: a nested `asyncio.run` drives the loop's internals itself until its coroutine
# is done. It is best avoided:
#
# - It patches asyncio **process-wide**: `asyncio.run`, the loop's methods, and the `Task` and
#   `Future` classes themselves, which it swaps for their pure-Python fallbacks instead of the
#   C-accelerated ones. Every library in the process is affected, not only your cell.
# - Re-entrancy breaks the "nothing else runs until I `await`" rule you just learnt: other tasks
#   can run in the middle of a plain function call.
# - The project is archived: its maintainer passed away in 2024, and it no longer receives fixes
#   (a fork, `nest-asyncio2`, carries it on for code that still depends on it).
#
# In a notebook you never need it: `await` works at the top level. We look at it only in a
# separate Python process, so its patches cannot touch this kernel.

# %%
NEST_DEMO = '''
import asyncio

async def inner():
    await asyncio.sleep(0.01)
    return "inner result"

async def main():
    coro = inner()
    try:
        asyncio.run(coro)
    except RuntimeError as error:
        coro.close()
        print("without nest_asyncio:", error)

    import nest_asyncio
    nest_asyncio.apply()
    print("with nest_asyncio:", asyncio.run(inner()))
    print("asyncio.run replaced:", asyncio.run.__module__)
    print("Task class now comes from:", asyncio.Task.__module__)

asyncio.run(main())
'''

workdir = Path(tempfile.mkdtemp(prefix="lesson03_"))
(workdir / "nest_demo.py").write_text(textwrap.dedent(NEST_DEMO))
result = subprocess.run([sys.executable, "nest_demo.py"], cwd=workdir, capture_output=True,
                        text=True, timeout=120)
print(result.stdout, result.stderr)
assert result.returncode == 0, "the demo script ran"
lines = result.stdout.splitlines()
assert "cannot be called from a running event loop" in lines[0], "plain asyncio refuses"
assert lines[1] == "with nest_asyncio: inner result", "the patched loop re-enters"
assert lines[2] == "asyncio.run replaced: nest_asyncio", "asyncio.run itself was replaced"
assert lines[3].endswith("asyncio.tasks"), "Task is the pure-Python class (the C one lives in _asyncio)"

# %% [markdown]
# The nested call worked, and the patch shows: `asyncio.run` now comes from `nest_asyncio`, and every
# task in that process, any library's included, now runs on the pure-Python `Task`. This kernel is
# untouched:

# %%
print("this kernel's Task class comes from:", asyncio.Task.__module__)
print("this kernel's asyncio.run comes from:", asyncio.run.__module__)
assert asyncio.Task.__module__ == "_asyncio", "this kernel still runs the C-accelerated Task"
assert asyncio.run.__module__ == "asyncio.runners", "and the real asyncio.run"

# %% [markdown]
# ## Running a real script from the notebook
#
# Production agents run as scripts or services, where `asyncio.run()` is exactly right. Here is a
# small one, written to a temporary folder. It inherits this notebook's environment, so its tools
# and model run at the same `COURSE_TIME_SCALE`. (`async with connect() as llm:` closes the client
# when the block ends; lesson 06 explains `async with`.)

# %%
AGENT_SCRIPT = '''
"""A tiny travel agent as a script: asyncio.run() is its one entry point."""
import asyncio

from course_utils import connect, tools


async def main():
    async with connect() as llm:
        weather, hits = await asyncio.gather(
            tools.get_weather("Lisbon"), tools.search_web("Lisbon museums"))
        answer = await llm.complete(
            f"Plan a day in Lisbon. Weather: {weather['conditions']}. Ideas: {hits[0]['title']}")
    print(answer.text)
    print("done")


if __name__ == "__main__":
    asyncio.run(main())
'''

agent_path = workdir / "agent.py"
agent_path.write_text(textwrap.dedent(AGENT_SCRIPT).lstrip())
print(agent_path)

# %% [markdown]
# The `!` prefix runs a shell command from a cell, and `{name}` inserts a Python variable. Use
# `sys.executable`, this kernel's Python, so the script sees the same packages (a bare `python` may
# be another installation); the quotes keep paths with spaces in one piece.

# %%
python, script = f'"{sys.executable}"', f'"{agent_path}"'
# !{python} {script}

# %% [markdown]
# From Python, `subprocess.run` gives you the output to check:

# %%
run = subprocess.run([sys.executable, str(agent_path)], capture_output=True, text=True, timeout=120)
print(run.stdout)
assert run.returncode == 0, run.stderr
assert run.stdout.strip().splitlines()[-1] == "done", "the script ran to its end"
shutil.rmtree(workdir)  # tidy up the temporary folder

# %% [markdown]
# ## Exercises
#
# Open each file (the link opens it in the editor), write your code, then run its check here;
# `hint("...")` helps if you are stuck.
#
# 1. [`exercises/ex03_my_sleep.py`](../exercises/ex03_my_sleep.py): build `sleep` yourself from a
#    future and `loop.call_later`, and cancel the timer if the sleeper is cancelled.
# 2. [`exercises/ex03_cooperative.py`](../exercises/ex03_cooperative.py): count primes without
#    freezing the loop, giving it a turn with `await asyncio.sleep(0)` every so often.

# %%
from course_utils import check, hint  # noqa: E402

check("ex03_my_sleep")

# %%
check("ex03_cooperative")

# %% [markdown]
# ## Quiz

# %%
from course_utils import quiz  # noqa: E402

quiz("03")

# %% [markdown]
# ## Summary
# - The event loop runs callbacks on one thread: the ready queue in FIFO order, timers by deadline,
#   I/O when sockets are ready. A task is a coroutine run one step at a time by such callbacks.
# - Nothing else runs until the current step reaches an `await` that has to wait; tasks take turns there.
# - At the bottom of every wait is a future: `await future` sleeps until someone calls `set_result`.
# - In Jupyter the loop is already running: `await` at the top level. In scripts: one
#   `asyncio.run(main())`.
# - `asyncio.run()` inside a running loop raises `RuntimeError`: one thread runs one loop at a time,
#   and a nested run would freeze the kernel's loop. The fix is `await`, not `nest_asyncio`, which
#   patches asyncio process-wide, swaps in slower tasks, and is archived.
