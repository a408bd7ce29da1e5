# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # 09 · Timeouts and cancellation
#
# A model call that never answers looks exactly like a slow one, until you put a clock on it.
# This lesson puts a deadline on every await, and shows what really happens to the work you
# gave up on.
#
# ## Learning objectives
# - Put a deadline on any `await` with `asyncio.timeout` (a budget for a whole block) or
#   `asyncio.wait_for` (one awaitable).
# - Follow the cancellation flow: timeout → `task.cancel()` → `CancelledError` at the `await`
#   → `finally` → `TimeoutError`.
# - Write cancellation-safe code: clean up in `finally`, never swallow `CancelledError`.
# - Protect work that must finish with `asyncio.shield`, and keep a reference to it.

# %%
import asyncio

from course_utils import FaultPlan, LLMError, Timeline, connect, simulated
from course_utils.cancel_flow import draw_cancel_flow
from course_utils.config import LARGE_MODEL
from course_utils.plots import plot_comparison

loop = asyncio.get_running_loop()  # loop.time() is asyncio's own clock: we time demos with it

# %% [markdown]
# ## A call that never answers
#
# `FaultPlan(script=["hang"])` makes the simulator's next call hang the way a stuck connection
# does: no error, no answer, for an hour. Without a deadline, `await llm.complete(...)` would sit
# there, and so would your agent. With `asyncio.timeout` (new in Python 3.11), the block is
# stopped when the deadline passes and you get a `TimeoutError`:

# %% tags=["raises-exception"]
# This cell fails on purpose: a TimeoutError after 2 seconds (on a real endpoint, an answer).
llm = connect(faults=FaultPlan(script=["hang"]))
async with asyncio.timeout(2):
    await llm.complete("What is the weather in Oslo?")

# %% [markdown]
# Since Python 3.11 that is the built-in `TimeoutError` (`asyncio.TimeoutError` is an alias of
# it). Catch it, and measure how long you actually waited, with the loop's own clock:

# %%
llm = connect(faults=FaultPlan(script=["hang"]))
start = loop.time()
try:
    async with asyncio.timeout(2):
        await llm.complete("What is the weather in Oslo?")
except TimeoutError:
    print(f"gave up after {loop.time() - start:.2f} s instead of waiting an hour")
waited = loop.time() - start
if simulated():
    assert 0.95 < waited / 2 < 1.3, "the timeout should fire after about 2 seconds"
else:
    print("(a real endpoint does not hang on request: the check is skipped)")

# %% [markdown]
# `asyncio.wait_for(aw, timeout)` does the same for a single awaitable (since Python 3.12 it is
# built on `asyncio.timeout`). `asyncio.timeout()` is more useful for agents because it is a
# **budget for a whole block**: several calls share one deadline, so a slow first step leaves
# less time for the next.

# %%
llm = connect(faults=FaultPlan(script=["hang"]))
try:
    await asyncio.wait_for(llm.complete("Plan a trip to Lima."), timeout=1)
except TimeoutError:
    print("wait_for: TimeoutError")


async def agent_step(llm, question):
    plan = await llm.complete(question, system="Plan the steps.")
    return await llm.complete(plan.text, system="Now answer.")


llm = connect(faults=FaultPlan(script=["ok", "hang"]))  # the plan arrives, the answer hangs
start = loop.time()
try:
    async with asyncio.timeout(2):                       # one budget for the whole step
        await agent_step(llm, "Plan a trip to Lima.")
except TimeoutError:
    print(f"the step ran out of budget after {loop.time() - start:.2f} s; "
          f"{llm.usage.successes} call finished, {llm.usage.errors['cancelled']} was cancelled")
step = loop.time() - start
if simulated():
    assert llm.usage.successes == 1 and llm.usage.errors["cancelled"] == 1, "plan done, answer cancelled"
    assert 0.95 < step / 2 < 1.3, "both calls shared one 2-second budget"
else:
    print("(real endpoint: the simulator-only checks here are skipped)")

# %% [markdown]
# ## The cancellation flow: how a timeout actually stops work
#
# A timeout kills nothing. When the deadline passes, it **cancels** your task: at the `await`
# where the task is suspended, asyncio raises `asyncio.CancelledError`, which unwinds the
# coroutine like any other exception, running every `finally` and `async with` exit on the way.
# When it reaches the `async with asyncio.timeout(...)` that asked for it, that block recognises
# its own cancellation and turns it into `TimeoutError`. Follow the six steps:

# %%
draw_cancel_flow()

# %% [markdown]
# Here are steps 3 to 6, logged by the code itself. Catching `CancelledError` just to log it is
# fine, as long as you **re-raise** it.

# %%
events = []


async def call_and_log(llm, prompt):
    try:
        return await llm.complete(prompt)
    except asyncio.CancelledError:
        events.append("3. CancelledError at the await")
        raise                                   # let the cancellation travel on
    finally:
        events.append("4. finally runs")


llm = connect(faults=FaultPlan(script=["hang"]))
try:
    async with asyncio.timeout(1):
        await call_and_log(llm, "Summarize the incident report.")
    events.append("(never reached: the block was cancelled)")
except TimeoutError:
    events.append("6. except TimeoutError")
print("\n".join(events))
if simulated():
    assert events == ["3. CancelledError at the await", "4. finally runs",
                      "6. except TimeoutError"], "the flow runs in this order"
else:
    print("(real endpoint: the simulator-only checks here are skipped)")

# %% [markdown]
# So cleanup belongs in `finally` (or `async with`), which runs on success, on error *and* on
# cancellation. It may even `await` (say, `await session.close()`): the cancellation was delivered
# once, at the suspended `await`, so the cleanup runs to its end unless someone cancels again.
# Here an agent borrows a connection from a small pool for each call; three timeouts later,
# every connection is back:

# %%
open_connections = 0


async def call_with_connection(llm, prompt):
    global open_connections
    open_connections += 1            # borrow a connection
    try:
        return await llm.complete(prompt)
    finally:
        open_connections -= 1        # give it back, however we leave


llm = connect(faults=FaultPlan(script=["hang", "hang", "hang"]))
for _ in range(3):
    try:
        async with asyncio.timeout(0.5):
            await call_with_connection(llm, "Summarize the incident report.")
    except TimeoutError:
        pass
print("connections still open after three timeouts:", open_connections)
assert open_connections == 0, "finally gave every connection back"

# %% [markdown]
# ## The pitfall: swallowing `CancelledError`
#
# `CancelledError` derives from `BaseException`, not `Exception`, precisely so that
# `except Exception:` does not catch it. A bare `except:` or `except BaseException:` does, and
# then the cancellation is lost. Here is a "robust" retry loop written that way, under a
# 1-second budget; each hung call recovers on its own after 2 seconds.

# %%
async def robust_but_wrong(llm, prompt, attempts=3):
    for attempt in range(attempts):
        try:
            return await llm.complete(prompt)
        except BaseException as error:   # BUG: this also catches CancelledError
            print(f"  attempt {attempt} failed with {type(error).__name__}; trying again")
    raise RuntimeError("all attempts failed")


llm = connect(faults=FaultPlan(script=["hang", "hang"], hang_seconds=2.0))
timed_out = False
start = loop.time()
try:
    async with asyncio.timeout(1):
        answer = await robust_but_wrong(llm, "Summarize the incident report.")
except TimeoutError:
    timed_out = True
swallowed = loop.time() - start
print(f"TimeoutError raised: {timed_out}; the 1-second budget took {swallowed:.2f} s")

# %% [markdown]
# The timeout fired, the loop swallowed the cancellation and tried again, and since the deadline
# had already passed, nothing stopped it a second time: no `TimeoutError`, and a 1-second budget
# that took more than 2.5 times that. Inside a `TaskGroup` the same bug makes a task ignore the
# group's request to stop. The fix: catch `Exception` (or the specific errors you mean), and if
# you catch `CancelledError` to clean up, **re-raise it**.

# %%
if simulated():
    assert not timed_out and swallowed > 2.5 * 1, "the swallowed cancellation broke the deadline"
else:
    print("(real endpoint: the simulator-only checks here are skipped)")


async def robust(llm, prompt, attempts=3):
    for attempt in range(attempts):
        try:
            return await llm.complete(prompt)
        except LLMError as error:        # only the failures worth retrying
            print(f"  attempt {attempt} failed with {type(error).__name__}; trying again")
    raise RuntimeError("all attempts failed")


llm = connect(faults=FaultPlan(script=["hang", "hang"], hang_seconds=2.0))
start = loop.time()
try:
    async with asyncio.timeout(1):
        await robust(llm, "Summarize the incident report.")
except TimeoutError:
    print(f"TimeoutError after {loop.time() - start:.2f} s, as promised")
honest = loop.time() - start
if simulated():
    assert 0.95 < honest / 1 < 1.5, "the deadline holds again (far from the 2.5x of the bug)"
else:
    print("(real endpoint: the simulator-only checks here are skipped)")

# %% [markdown]
# ## `shield`: work that must finish even if the caller gives up
#
# At the end of a turn, the agent writes a summary of the conversation to its long-term memory.
# If the user's request times out during that write, you still want the memory saved.
# `asyncio.shield(task)` protects the inner task from the caller's cancellation: the caller still
# gets its `TimeoutError` on time, while the task runs on. Keep a reference to it (here in the
# `background` set) and await it later.

# %%
async def save_memory(llm, memory, conversation):
    summary = await llm.complete(f"Summarize for long-term memory: {conversation}", model=LARGE_MODEL)
    memory.append(summary.text)


async def agent_turn(llm, memory, question, background, shielded):
    answer = await llm.complete(question)
    save = asyncio.create_task(save_memory(llm, memory, question + " " + answer.text),
                               name="save_memory")
    background.add(save)
    await (asyncio.shield(save) if shielded else save)
    return answer


async def turn_with_deadline(shielded):
    llm, memory, background = connect(), [], set()

    async def user_request():
        try:
            async with asyncio.timeout(1.5):
                await agent_turn(llm, memory, "What did we decide about retries?", background, shielded)
        except TimeoutError:
            print(f"shielded={shielded}: the user got a TimeoutError at {timeline.elapsed:.2f} s")

    async with Timeline() as timeline:
        async with asyncio.TaskGroup() as tg:
            tg.create_task(user_request(), name="user request")
        results = await asyncio.gather(*background, return_exceptions=True)  # let survivors finish
    return memory, timeline, results


memory_plain, plain_tl, plain_results = await turn_with_deadline(shielded=False)
memory_shielded, shielded_tl, shielded_results = await turn_with_deadline(shielded=True)
print("memory without shield:", memory_plain)
print("memory with shield:   ", [m[:50] for m in memory_shielded])
plot_comparison(plain_tl, shielded_tl, labels=["no shield", "shield"],
                title="A timeout during the memory write: cancelled, or shielded")

# %% [markdown]
# Without the shield, the timeout cancelled the write and the turn was forgotten; with it, the
# caller was released at the deadline just the same, and the write finished afterwards. Two
# caveats: a shielded task still dies if the event loop shuts down (for example when
# `asyncio.run` returns), and you must keep a reference to it, or nobody sees its errors.

# %%
if simulated():
    assert memory_plain == [] and len(memory_shielded) == 1, "only the shielded write was saved"
    assert isinstance(plain_results[0], asyncio.CancelledError), "the unshielded write was cancelled"
    assert shielded_tl.elapsed > 1.5 * 1.1, "the shielded write finished after the user's deadline"
else:
    print("(real endpoint: the simulator-only checks here are skipped)")

# %% [markdown]
# ## Exercise
#
# [`exercises/ex09_cancel_cleanup.py`](../exercises/ex09_cancel_cleanup.py): an agent step that
# swallows its cancellation and leaks its session. Fix it so that a timeout stops it on time and
# the session is always closed.

# %%
from course_utils import check, hint  # noqa: E402

check("ex09_cancel_cleanup")

# %% [markdown]
# ## Quiz

# %%
from course_utils import quiz  # noqa: E402

quiz("09")

# %% [markdown]
# ## Summary
#
# - Every network await needs a deadline: `asyncio.timeout(...)` for a block (one budget for a
#   whole agent step), `asyncio.wait_for(...)` for one awaitable. Both raise `TimeoutError`.
# - A timeout works by cancelling: `CancelledError` is raised at the `await`, `finally` blocks
#   run, and the timeout turns it into `TimeoutError`.
# - Never swallow `CancelledError` (no bare `except:` or `except BaseException:` without
#   `raise`), or deadlines and task groups silently stop working.
# - `asyncio.shield(task)` lets must-finish work outlive an impatient caller; keep a reference.
#
# **Going further:** lesson 10 builds on this: retries with backoff, a per-attempt timeout
# inside an overall budget, and fallbacks when a model is down.
