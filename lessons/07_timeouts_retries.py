# %% [markdown]
# # 07 · Timeouts, cancellation and retries
#
# A model call that never answers looks exactly like a slow one, until you put a clock on it.
# Production agents meet hung connections, 500s, 503s and 429s every day; this lesson makes
# yours survive them.
#
# ## Learning objectives
# - Put a deadline on any `await` with `asyncio.timeout` or `asyncio.wait_for`, and know what
#   happens to the call you gave up on.
# - Write cancellation-safe code: clean up in `finally`, never swallow `CancelledError`, and
#   protect work that must finish with `asyncio.shield`.
# - Retry transient failures with exponential backoff, full jitter and `Retry-After`, by hand
#   and with `tenacity`.
# - Degrade gracefully: a per-attempt timeout, a fallback model, then a cached answer.

# %%
import asyncio
import random
from dataclasses import dataclass

from course_utils import (FaultPlan, LLMError, RateLimitError, RateLimits, SimulatedLLM,
                          Stopwatch, Timeline, clock, settings, tracing)
from course_utils.config import DEFAULT_MODEL, LARGE_MODEL
from course_utils.plots import plot_comparison

# %% [markdown]
# One unit detail before we start: asyncio's timeouts are in **real** seconds, while the course
# measures everything in course seconds (scaled by `COURSE_TIME_SCALE`). `clock.to_real`
# converts, so `asyncio.timeout(clock.to_real(2.0))` means "2 course seconds" at any scale.
#
# ## A call that never answers
#
# `FaultPlan(script=["hang"])` makes the next call hang the way a stuck connection does: no error,
# no answer, for an hour of course time. Without a deadline, `await llm.complete(...)` would
# simply sit there, and so would your agent. With `asyncio.timeout`, the block is cancelled when
# the deadline passes and you get a `TimeoutError`:

# %% tags=["raises-exception"]
llm = SimulatedLLM(faults=FaultPlan(script=["hang"]))
async with asyncio.timeout(clock.to_real(2.0)):
    await llm.complete("What is the weather in Oslo?")

# %% [markdown]
# In Python 3.11 that is the built-in `TimeoutError` (`asyncio.TimeoutError` is now an alias of
# it). Catch it, and measure how long you actually waited:

# %%
llm = SimulatedLLM(faults=FaultPlan(script=["hang"]))
with Stopwatch() as waited:
    try:
        async with asyncio.timeout(clock.to_real(2.0)):
            await llm.complete("What is the weather in Oslo?")
    except TimeoutError:
        print(f"gave up after {waited.elapsed:.2f} s instead of waiting "
              f"{llm.engine.faults.hang_seconds:.0f} s")
assert 0.95 < waited.elapsed / 2.0 < 1.3

# %% [markdown]
# `asyncio.wait_for(aw, timeout)` does the same for a single awaitable. `asyncio.timeout()` is
# more useful for agents because it is a **budget for a whole block**: several calls share one
# deadline, so a slow first step leaves less time for the next.

# %%
llm = SimulatedLLM(faults=FaultPlan(script=["hang"]))
try:
    await asyncio.wait_for(llm.complete("Plan a trip to Lima."), timeout=clock.to_real(1.0))
except TimeoutError:
    print("wait_for: TimeoutError")


async def agent_step(llm, question):
    plan = await llm.complete(question, system="Plan the steps.")
    return await llm.complete(plan.text, system="Now answer.")


llm = SimulatedLLM(faults=FaultPlan(script=["ok", "hang"]))  # the plan arrives, the answer hangs
with Stopwatch() as step:
    try:
        async with asyncio.timeout(clock.to_real(2.0)):  # one budget for the whole step
            await agent_step(llm, "Plan a trip to Lima.")
    except TimeoutError:
        print(f"the step ran out of budget after {step.elapsed:.2f} s; "
              f"{llm.usage.successes} call finished, {llm.usage.errors['cancelled']} was cancelled")
assert llm.usage.successes == 1 and llm.usage.errors["cancelled"] == 1
assert 0.95 < step.elapsed / 2.0 < 1.3

# %% [markdown]
# ## Cancellation: how a timeout actually stops work
#
# A timeout does not kill anything. It **cancels** the task: at the `await` where the task is
# suspended, Python raises `asyncio.CancelledError`, which unwinds the coroutine like any other
# exception. So cleanup belongs in `finally` (or `async with`), which runs on success, on error
# *and* on cancellation. Here an agent borrows a connection from a small pool for each call:

# %%
open_connections = 0


async def call_with_connection(llm, prompt):
    global open_connections
    open_connections += 1            # borrow a connection
    try:
        return await llm.complete(prompt)
    finally:
        open_connections -= 1        # give it back, however we leave


llm = SimulatedLLM(faults=FaultPlan(script=["hang", "hang", "hang"]))
for _ in range(3):
    try:
        async with asyncio.timeout(clock.to_real(0.5)):
            await call_with_connection(llm, "Summarize the incident report.")
    except TimeoutError:
        pass
print("connections still open after three timeouts:", open_connections)
assert open_connections == 0

# %% [markdown]
# ### The pitfall: swallowing `CancelledError`
#
# `CancelledError` derives from `BaseException`, not `Exception`, precisely so that
# `except Exception:` does not catch it. A bare `except:` or `except BaseException:` does, and
# then the cancellation is lost. Here is a "robust" retry loop written that way, under a 1-second
# budget; each hung call recovers on its own after 2 seconds.

# %%
async def robust_but_wrong(llm, prompt, attempts=3):
    for attempt in range(attempts):
        try:
            return await llm.complete(prompt)
        except BaseException as error:   # BUG: this also catches CancelledError
            print(f"  attempt {attempt} failed with {type(error).__name__}; trying again")
    raise RuntimeError("all attempts failed")


llm = SimulatedLLM(faults=FaultPlan(script=["hang", "hang"], hang_seconds=2.0))
timed_out = False
with Stopwatch() as swallowed:
    try:
        async with asyncio.timeout(clock.to_real(1.0)):
            answer = await robust_but_wrong(llm, "Summarize the incident report.")
    except TimeoutError:
        timed_out = True
print(f"TimeoutError raised: {timed_out}; the 1-second budget took {swallowed.elapsed:.2f} s")

# %% [markdown]
# The timeout fired, the loop swallowed the cancellation and tried again, and since the deadline
# had already passed, nothing stopped it a second time. No `TimeoutError`, and a 1-second budget
# that took more than 2.5 times that. Inside a `TaskGroup` the same bug makes a task ignore the
# group's request to stop. The fix: catch `Exception` (or the specific errors you mean), and if
# you must catch `CancelledError` to clean up, **re-raise it**.

# %%
assert not timed_out and swallowed.elapsed > 2.5 * 1.0


async def robust(llm, prompt, attempts=3):
    for attempt in range(attempts):
        try:
            return await llm.complete(prompt)
        except LLMError as error:        # only the failures worth retrying
            print(f"  attempt {attempt} failed with {type(error).__name__}; trying again")
    raise RuntimeError("all attempts failed")


llm = SimulatedLLM(faults=FaultPlan(script=["hang", "hang"], hang_seconds=2.0))
with Stopwatch() as honest:
    try:
        async with asyncio.timeout(clock.to_real(1.0)):
            await robust(llm, "Summarize the incident report.")
    except TimeoutError:
        print(f"TimeoutError after {honest.elapsed:.2f} s, as promised")
assert 0.95 < honest.elapsed / 1.0 < 1.3

# %% [markdown]
# ### `shield`: work that must finish even if the caller gives up
#
# At the end of a turn, the agent writes a summary of the conversation to its long-term memory.
# If the user's request times out during that write, you still want the memory saved: cancelling
# it halfway would lose the turn. `asyncio.shield(task)` protects the inner task from the
# caller's cancellation: the caller still gets its `TimeoutError` on time, while the task runs
# on. Keep a reference to it and await it later.

# %%
async def save_memory(llm, memory, conversation):
    summary = await llm.complete(f"Summarize for long-term memory: {conversation}", model=LARGE_MODEL)
    memory.append(summary.text)


async def agent_turn(llm, memory, question, background, shielded):
    answer = await llm.complete(question)
    save = asyncio.create_task(save_memory(llm, memory, question + " " + answer.text), name="save_memory")
    background.add(save)
    await (asyncio.shield(save) if shielded else save)
    return answer


async def turn_with_deadline(shielded):
    llm, memory, background = SimulatedLLM(), [], set()

    async def user_request():
        try:
            async with asyncio.timeout(clock.to_real(1.5)):
                await agent_turn(llm, memory, "What did we decide about retries?", background, shielded)
        except TimeoutError:
            tracing.mark("timeout", "the user's deadline")
            print(f"shielded={shielded}: the user got a TimeoutError at {timeline.elapsed:.2f} s")

    async with Timeline() as timeline:
        await asyncio.create_task(user_request(), name="user request")
        await asyncio.gather(*background, return_exceptions=True)  # let surviving work finish
    return memory, timeline


memory_plain, plain_tl = await turn_with_deadline(shielded=False)
memory_shielded, shielded_tl = await turn_with_deadline(shielded=True)
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
save_row = {t.label: t for t in shielded_tl.tasks}["save_memory"]
assert memory_plain == [] and len(memory_shielded) == 1
assert {t.label: t for t in plain_tl.tasks}["save_memory"].error == "cancelled"
assert save_row.error is None and save_row.end > 1.5 * 1.1  # finished well after the deadline

# %% [markdown]
# ## Retries: backoff, jitter and `Retry-After`
#
# Many failures are transient: a 500, a 503, a dropped stream, a 429. The right response is to
# try again, **politely**. Here 30 requests go to a provider that fails 20% of calls with a
# server error and allows bursts of 5 requests at 10 per second. First, the impolite version:
# retry at once, up to 30 times.

# %%
FLAKY = dict(faults=dict(error_rate=0.2), limits=dict(requests_per_minute=600, burst_requests=5))
TICKETS = [f"Summarize support ticket #{i} for the on-call engineer." for i in range(30)]


def flaky_provider():
    return SimulatedLLM(faults=FaultPlan(**FLAKY["faults"]), rate_limits=RateLimits(**FLAKY["limits"]))


async def retry_immediately(llm, prompt, attempts=30):
    for attempt in range(attempts):
        try:
            return await llm.complete(prompt)
        except LLMError as error:
            last = error
    raise last


async def run_all(retrying):
    llm = flaky_provider()
    async with Timeline() as timeline:
        results = await asyncio.gather(*(asyncio.create_task(retrying(llm, t), name=f"ticket {i}")
                                         for i, t in enumerate(TICKETS)), return_exceptions=True)
    failed = sum(isinstance(r, Exception) for r in results)
    return {"attempts": llm.usage.calls, "failed": failed, "errors": dict(llm.usage.errors),
            "elapsed": timeline.elapsed}, timeline


naive, naive_tl = await run_all(retry_immediately)
print(naive)

# %% [markdown]
# Hundreds of attempts for 30 answers, almost all of them 429s: the retries themselves keep the
# bucket empty, and a request that is unlucky 30 times in a row gives up. The polite version:
#
# - **exponential backoff**: wait `base x 2^attempt`, capped, so a struggling server gets room;
# - **full jitter**: wait a *random* time between 0 and that bound, so clients that failed
#   together do not retry together;
# - **`Retry-After`**: when a 429 says how long to wait, wait at least that long;
# - retry only errors that can succeed next time (`error.retryable`: not a `BadRequestError`).

# %%
jitter_rng = random.Random(settings().seed)


async def retry_with_backoff(llm, prompt, attempts=8, base=0.25, cap=4.0, jitter=True):
    for attempt in range(attempts):
        try:
            return await llm.complete(prompt)
        except LLMError as error:
            if not error.retryable or attempt == attempts - 1:
                raise
            bound = min(cap, base * 2 ** attempt)
            delay = jitter_rng.uniform(0, bound) if jitter else bound
            if isinstance(error, RateLimitError):
                delay = max(delay, error.retry_after)
            await clock.sleep(delay)
            tracing.mark("retry", f"after {type(error).__name__}, waited {delay:.2f} s")


polite, polite_tl = await run_all(retry_with_backoff)
no_jitter, no_jitter_tl = await run_all(lambda llm, p: retry_with_backoff(llm, p, jitter=False))
print("backoff + jitter:   ", polite)
print("backoff, no jitter: ", no_jitter)
plot_comparison(naive_tl, no_jitter_tl, polite_tl,
                labels=["retry at once", "backoff, no jitter", "backoff + full jitter"],
                title="30 requests, 20% server errors, 10 requests/s: x = error or 429, ^ = retry")

# %% [markdown]
# Backoff needs several times fewer attempts, and every request succeeds. Without jitter the
# retries travel in synchronized waves (look at the middle timeline): each wave overloads the
# bucket again and the batch takes far longer. Jitter spreads them out.

# %%
assert naive["attempts"] > 200 and naive["errors"]["rate_limit"] > 0.8 * naive["attempts"]
assert polite["failed"] == 0 and no_jitter["failed"] == 0
assert naive["attempts"] > 3 * polite["attempts"]
assert no_jitter["elapsed"] > 1.3 * polite["elapsed"]

# %% [markdown]
# Backoff makes retries polite; it does not make them unnecessary. Most of the remaining retries
# are 429s from sending 30 requests into a burst of 5: pace requests with lesson 06's limiter and
# keep retries for the failures you cannot prevent.
#
# ### The library way: `tenacity`
#
# `tenacity` packages all of this. `wait_random_exponential` is full jitter over an exponential
# bound; `stop_after_attempt` caps the tries; `retry_if_exception_type` picks what to retry;
# `reraise=True` raises the last real error instead of tenacity's `RetryError`. Two course
# details: `sleep=clock.sleep` makes tenacity wait in course seconds, and a custom `wait`
# function honours `retry_after` (a `wait` can be any callable taking the retry state).

# %%
from course_utils import ServerError, StreamInterrupted  # noqa: E402
from tenacity import (AsyncRetrying, retry, retry_if_exception_type, stop_after_attempt,  # noqa: E402
                      wait_random_exponential)

backoff = wait_random_exponential(multiplier=0.25, max=4.0)


def wait_backoff_or_retry_after(state):
    error = state.outcome.exception()
    delay = backoff(state)
    return max(delay, error.retry_after) if isinstance(error, RateLimitError) else delay


TRANSIENT = (ServerError, RateLimitError, StreamInterrupted)


async def complete_with_tenacity(llm, prompt):
    async for attempt in AsyncRetrying(
        wait=wait_backoff_or_retry_after,
        stop=stop_after_attempt(8),
        retry=retry_if_exception_type(TRANSIENT),
        sleep=clock.sleep,
        before_sleep=lambda state: tracing.mark("retry"),
        reraise=True,
    ):
        with attempt:
            return await llm.complete(prompt)


with_tenacity, tenacity_tl = await run_all(complete_with_tenacity)
print("tenacity:", with_tenacity)
assert with_tenacity["failed"] == 0 and naive["attempts"] > 3 * with_tenacity["attempts"]

# %% [markdown]
# The decorator form reads well for a function you own. A request that is wrong, such as a
# `max_tokens` of 0, raises `BadRequestError`, which is not in `TRANSIENT`: it fails at once
# instead of being retried eight times.

# %%
from course_utils import BadRequestError  # noqa: E402

llm = flaky_provider()


@retry(wait=wait_backoff_or_retry_after, stop=stop_after_attempt(8),
       retry=retry_if_exception_type(TRANSIENT), sleep=clock.sleep, reraise=True)
async def summarize(ticket, max_tokens=None):
    return await llm.complete(ticket, max_tokens=max_tokens)


print((await summarize(TICKETS[0])).text[:60])
calls_before = llm.usage.calls
try:
    await summarize(TICKETS[1], max_tokens=0)
except BadRequestError as error:
    print("not retried:", error)
assert llm.usage.calls - calls_before == 1

# %% [markdown]
# ## Fallbacks and graceful degradation
#
# Retries help with *transient* trouble. When a model is down, or too slow for the user's
# deadline, an agent should move down a ladder instead:
#
# 1. the preferred model (here the large one), with a **per-attempt timeout**;
# 2. a fallback model (the default, faster one), with its own timeout;
# 3. the last good answer from a cache, clearly marked as stale;
# 4. only then, an error.

# %%
@dataclass
class Answer:
    text: str
    source: str
    degraded: bool = False


class ResilientAgent:
    def __init__(self, models, per_attempt):
        self.models = models            # [(name, client, model)] in order of preference
        self.per_attempt = per_attempt  # course seconds
        self.cache = {}

    async def ask(self, question):
        for name, llm, model in self.models:
            try:
                async with asyncio.timeout(clock.to_real(self.per_attempt)):
                    reply = await asyncio.create_task(llm.complete(question, model=model), name=name)
            except TimeoutError:
                tracing.mark("timeout", name)
            except LLMError as error:
                tracing.mark("error", f"{name}: {error}")
            else:
                self.cache[question] = reply.text
                return Answer(reply.text, source=name, degraded=name != self.models[0][0])
        if question in self.cache:
            return Answer(self.cache[question], source="cache", degraded=True)
        raise RuntimeError("no model answered and nothing is cached")


QUESTION = "What is our refund policy for annual subscriptions?"
agent = ResilientAgent([("large", SimulatedLLM(LARGE_MODEL), LARGE_MODEL),
                        ("default", SimulatedLLM(), DEFAULT_MODEL)], per_attempt=6.0)
first = await agent.ask(QUESTION)           # a quiet moment: the large model answers in time
print(f"{first.source} (degraded={first.degraded}) in {agent.models[0][1].usage.latency_max:.2f} s: "
      f"{first.text[:50]}")

# %% [markdown]
# Now the user is in a hurry: each attempt gets 1.5 s, less than the large model needs. Then an
# outage: every model fails.

# %%
agent.per_attempt = 1.5
async with Timeline() as hurry:
    second = await asyncio.create_task(agent.ask(QUESTION), name="agent.ask")
print(f"{second.source} (degraded={second.degraded}) after {hurry.elapsed:.2f} s: {second.text[:50]}")

agent.models = [("large", SimulatedLLM(LARGE_MODEL, faults=FaultPlan(script=["overloaded"])), LARGE_MODEL),
                ("default", SimulatedLLM(faults=FaultPlan(script=["error"])), DEFAULT_MODEL)]
async with Timeline() as outage:
    third = await asyncio.create_task(agent.ask(QUESTION), name="agent.ask")
print(f"{third.source} (degraded={third.degraded}) after {outage.elapsed:.2f} s: {third.text[:50]}")
plot_comparison(hurry, outage, labels=["in a hurry: large times out, default answers",
                                       "outage: both fail fast, the cache answers"],
                title="Down the ladder: per-attempt timeout, fallback model, cache (x = error)")

# %%
assert first.source == "large" and not first.degraded
assert second.source == "default" and second.degraded
assert 1.5 < hurry.elapsed < 1.5 + 2.0               # one timed-out attempt, then a fast answer
assert [m.kind for m in hurry.marks] == ["timeout"]
assert third.source == "cache" and third.degraded and third.text == second.text  # the last good answer
assert outage.elapsed < 1.0                            # failures were fast; no waiting for timeouts

# %% [markdown]
# Each rung trades quality for availability, and the `degraded` flag lets the UI say so ("this
# answer may be out of date"). The per-attempt timeout is what makes the ladder usable: without
# it, the first rung can eat the whole budget.
#
# ## Exercises
#
# 1. `ex07_retry`: write `complete_with_retry`: exponential backoff with full jitter, a floor at
#    `retry_after`, and no retries for errors that are not retryable.
# 2. `ex07_fallback`: write `answer_with_fallback(primary, secondary, prompt, timeout)`, making
#    sure a timed-out call is really cancelled.

# %%
from course_utils.checker import check, hint  # noqa: E402

check("ex07_retry")

# %%
check("ex07_fallback")

# %% [markdown]
# ## Quiz

# %%
from course_utils import quiz  # noqa: E402

quiz("07")

# %% [markdown]
# ## Summary
#
# - Every network await needs a deadline: `asyncio.timeout(...)` for a block (one budget for a
#   whole agent step), `asyncio.wait_for(...)` for one awaitable. Both raise `TimeoutError`.
# - A timeout works by cancelling: `CancelledError` is raised at the `await`. Clean up in
#   `finally`; never swallow `CancelledError` (no bare `except:`), or deadlines silently stop
#   working.
# - `asyncio.shield(task)` lets must-finish work outlive an impatient caller; keep a reference.
# - Retry transient errors with exponential backoff and full jitter, honouring `retry_after`;
#   never retry a bad request. `tenacity` does this declaratively.
# - Degrade step by step: per-attempt timeouts, a fallback model, a cached answer marked stale.
#
# **Going further:** lesson 08 puts agents behind queues and worker pools, where timeouts and
# retries become per-job policies.
