# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # 10 · Retries and fallbacks
#
# Production agents meet 500s, 503s, 429s and hung connections every day. Lesson 09 gave every
# await a deadline; this lesson decides what to do next: try again politely, or move on to
# something that can answer.
#
# ## Learning objectives
# - Retry transient failures with exponential backoff, full jitter and `Retry-After`, by hand
#   and with `tenacity`; never retry a bad request.
# - Nest a **per-attempt timeout** inside an **overall budget**, and know which one fires.
# - Degrade gracefully: a fallback model, then a cached answer marked as stale.

# %%
import asyncio
import random
from dataclasses import dataclass

from course_utils import (BadRequestError, FaultPlan, LLMError, RateLimitError, RateLimits,
                          ServerError, StreamInterrupted, Timeline, connect, settings, simulated)
from course_utils.config import DEFAULT_MODEL, LARGE_MODEL
from course_utils.plots import plot_comparison

loop = asyncio.get_running_loop()

# %% [markdown]
# ## Retries: the impolite way first
#
# Many failures are transient: a 500, a 503, a dropped stream, a 429. The right response is to
# try again, **politely**. Here 24 requests go to a provider that fails 20% of calls with a
# server error and allows bursts of 5 requests at 10 per second. First, the impolite version:
# retry at once, up to 30 times.

# %%
TICKETS = [f"Summarize support ticket #{i} for the on-call engineer." for i in range(24)]


def flaky_provider():
    return connect(faults=FaultPlan(error_rate=0.2),
                   rate_limits=RateLimits(requests_per_minute=600, burst_requests=5))


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
        tasks = [asyncio.create_task(retrying(llm, t), name=f"ticket {i}") for i, t in enumerate(TICKETS)]
        results = await asyncio.gather(*tasks, return_exceptions=True)  # a give-up is a result here
    return {"attempts": llm.usage.calls, "errors": dict(llm.usage.errors),
            "answered": sum(not isinstance(r, Exception) for r in results),
            "elapsed": timeline.elapsed}, timeline


naive, naive_tl = await run_all(retry_immediately)
print(naive)

# %% [markdown]
# Far more attempts than requests, most of them 429s: the retries themselves keep the bucket
# empty. The polite version:
#
# - **exponential backoff**: wait `base × 2^attempt`, capped, so a struggling server gets room;
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
            await asyncio.sleep(delay)


polite, polite_tl = await run_all(retry_with_backoff)
no_jitter, no_jitter_tl = await run_all(lambda llm, p: retry_with_backoff(llm, p, jitter=False))
print("backoff + jitter:   ", polite)
print("backoff, no jitter: ", no_jitter)
plot_comparison(naive_tl, no_jitter_tl, polite_tl,
                labels=["retry at once", "backoff, no jitter", "backoff + full jitter"],
                title="24 requests, 20% server errors, 10 requests/s (x = error or 429)")

# %% [markdown]
# Backoff needs fewer attempts, and every request is answered. Without jitter the retries
# travel in synchronized waves (the x marks in the middle timeline line up in columns): each
# wave hits the empty bucket together. Jitter spreads them out.

# %%
if simulated():
    assert naive["errors"]["rate_limit"] > 0.7 * naive["attempts"], "retrying at once mostly earns 429s"
    assert polite["answered"] == no_jitter["answered"] == len(TICKETS), "backoff answers every ticket"
    assert naive["attempts"] > 1.3 * polite["attempts"], "backoff needs fewer attempts"
else:
    print("(a real endpoint has its own faults and limits: the checks are skipped)")

# %% [markdown]
# Backoff makes retries polite; it does not make them unnecessary. Most of the remaining retries
# are 429s from sending 24 requests into a burst of 5: pace requests with lesson 08's limiter and
# keep retries for the failures you cannot prevent.
#
# ### The library way: `tenacity`
#
# `tenacity` packages all of this. `wait_random_exponential` is full jitter over an exponential
# bound; `stop_after_attempt` caps the tries; `retry_if_exception_type` picks what to retry;
# `reraise=True` raises the last real error instead of tenacity's `RetryError`. A `wait` can be
# any callable taking the retry state, so honouring `retry_after` is three lines.

# %%
from tenacity import (AsyncRetrying, retry, retry_if_exception_type, stop_after_attempt,  # noqa: E402
                      wait_random_exponential)

backoff = wait_random_exponential(multiplier=0.25, max=4.0)
random.seed(settings().seed)  # tenacity draws its jitter from the global `random`: seeded, it repeats


def wait_backoff_or_retry_after(state):
    error = state.outcome.exception()
    delay = backoff(state)
    return max(delay, error.retry_after) if isinstance(error, RateLimitError) else delay


TRANSIENT = (ServerError, RateLimitError, StreamInterrupted)


async def complete_with_tenacity(llm, prompt):
    async for attempt in AsyncRetrying(wait=wait_backoff_or_retry_after, stop=stop_after_attempt(8),
                                       retry=retry_if_exception_type(TRANSIENT), reraise=True):
        with attempt:
            return await llm.complete(prompt)


with_tenacity, _ = await run_all(complete_with_tenacity)
print("tenacity:", with_tenacity)
if simulated():
    assert with_tenacity["answered"] == len(TICKETS) and naive["attempts"] > 1.3 * with_tenacity["attempts"], \
        "tenacity is as polite as the hand-written loop"
else:
    print("(real endpoint: the simulator-only checks here are skipped)")

# %% [markdown]
# The decorator form reads well for a function you own. A request that is wrong, such as a
# `max_tokens` of 0, raises `BadRequestError`, which is not in `TRANSIENT`: it fails at once
# instead of being retried eight times.

# %%
llm = flaky_provider()


@retry(wait=wait_backoff_or_retry_after, stop=stop_after_attempt(8),
       retry=retry_if_exception_type(TRANSIENT), reraise=True)
async def summarize(ticket, max_tokens=None):
    return await llm.complete(ticket, max_tokens=max_tokens)


print((await summarize(TICKETS[0])).text[:60])
calls_before = llm.usage.calls
try:
    await summarize(TICKETS[1], max_tokens=0)
except BadRequestError as error:
    print("not retried:", error)
assert llm.usage.calls - calls_before == 1, "a bad request is tried exactly once"

# %% [markdown]
# ## Two timeouts, nested: per attempt and overall
#
# A retry loop needs **two** deadlines, one inside the other:
#
# - a **per-attempt** timeout, so one hung call does not eat the whole budget: it is cancelled
#   and the next attempt gets its chance;
# - an **overall** budget around the whole loop, so the user gets an answer (or an error) in
#   time, however many attempts fail.
#
# Production code nests both. First, each alone. The first call hangs, the second answers.

# %%
async def ask_with_retries(llm, prompt, per_attempt=None, attempts=3):
    """Retry hangs and server errors; each attempt gets `per_attempt` seconds (None: no limit)."""
    for attempt in range(attempts):
        try:
            async with asyncio.timeout(per_attempt):      # timeout(None) never fires
                return await llm.complete(prompt, max_tokens=20)
        except (TimeoutError, ServerError):
            if attempt == attempts - 1:
                raise
            await asyncio.sleep(0.1)


PROMPT = "Which runbook covers a full disk?"
results = {}
for name, per_attempt, script in [("overall only", None, ["hang", "ok"]),
                                  ("per attempt only", 1, ["hang"] * 3),
                                  ("nested", 1, ["hang", "ok"]),
                                  ("nested, all hang", 1, ["hang"] * 3)]:
    llm = connect(faults=FaultPlan(script=script))
    start = loop.time()
    try:
        if name == "per attempt only":
            await ask_with_retries(llm, PROMPT, per_attempt)
        else:
            async with asyncio.timeout(2.5):                 # the user's overall budget
                await ask_with_retries(llm, PROMPT, per_attempt)
        outcome = "answered"
    except TimeoutError:
        outcome = "TimeoutError"
    results[name] = (outcome, loop.time() - start, llm.usage.calls)
    print(f"{name:17} {outcome:12} after {results[name][1]:.2f} s, {results[name][2]} calls")

# %% [markdown]
# - **Overall only**: the first hung call ate the whole 2.5-second budget; the answer that the
#   second attempt would have given never had a chance.
# - **Per attempt only**: every hang was cut at 1 s, but three of them (and the pauses) took
#   longer than the user's 2.5 seconds.
# - **Nested**: the hang was cut at 1 s and the retry answered; when everything hangs, the
#   overall budget stops the loop at 2.5 s, in the middle of the third attempt.
#
# Notice that the retry loop's `except TimeoutError` did not catch the *overall* deadline: the
# outer timeout cancels the task, the `CancelledError` passes the inner block (which only
# converts its own cancellation), and only the outer block turns it into `TimeoutError`. Retry
# libraries behave the same: tenacity's `stop_after_delay` is checked only *between* attempts,
# so put the `asyncio.timeout` around it.

# %%
if simulated():
    assert results["overall only"][0] == "TimeoutError" and results["overall only"][2] == 1, \
        "without a per-attempt timeout the hang uses the whole budget"
    assert results["per attempt only"][1] > 2.5 * 1.1, "without an overall budget the hangs add up"
    assert results["nested"][0] == "answered" and results["nested"][2] == 2, "nested: the retry answers"
    assert results["nested, all hang"][0] == "TimeoutError" and 0.95 < results["nested, all hang"][1] / 2.5 < 1.2, \
        "nested: the overall budget holds"
else:
    print("(real endpoint: the simulator-only checks here are skipped)")

# %% [markdown]
# ## Fallbacks and graceful degradation
#
# Retries help with *transient* trouble. When a model is down, or too slow for the user's
# deadline, an agent should move down a ladder instead:
#
# 1. the preferred model (here the large one), with a per-attempt timeout;
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
        self.per_attempt = per_attempt  # seconds
        self.cache = {}
        self.log = []

    async def ask(self, question):
        for name, llm, model in self.models:
            try:
                async with asyncio.timeout(self.per_attempt):
                    reply = await llm.complete(question, model=model)
            except TimeoutError:
                self.log.append(f"{name}: timeout")
            except LLMError as error:   # not Exception: a bug in our code should surface
                self.log.append(f"{name}: {type(error).__name__}")
            else:
                self.cache[question] = reply.text
                return Answer(reply.text, source=name, degraded=name != self.models[0][0])
        if question in self.cache:
            return Answer(self.cache[question], source="cache", degraded=True)
        raise RuntimeError("no model answered and nothing is cached")


QUESTION = "What is our refund policy for annual subscriptions?"
agent = ResilientAgent([("large", connect(LARGE_MODEL), LARGE_MODEL),
                        ("default", connect(), DEFAULT_MODEL)], per_attempt=6)
first = await agent.ask(QUESTION)           # a quiet moment: the large model answers in time

agent.per_attempt = 1.5                     # the user is in a hurry: less than the large model needs
start = loop.time()
second = await agent.ask(QUESTION)
hurry = loop.time() - start

agent.models = [("large", connect(LARGE_MODEL, faults=FaultPlan(script=["overloaded"])), LARGE_MODEL),
                ("default", connect(faults=FaultPlan(script=["error"])), DEFAULT_MODEL)]
start = loop.time()
third = await agent.ask(QUESTION)           # an outage: every model fails fast
outage = loop.time() - start
for label, a in (("quiet", first), ("hurry", second), ("outage", third)):
    print(f"{label:7} {a.source:8} degraded={a.degraded!s:5} {a.text[:50]}")
print(agent.log)

# %%
if simulated():
    assert first.source == "large" and not first.degraded, "quiet: the preferred model"
    assert second.source == "default" and second.degraded and 1.5 < hurry < 1.5 + 2.0, \
        "hurry: one timed-out attempt, then a fast fallback"
    assert third.source == "cache" and third.text == second.text, "outage: the last good answer"
    assert outage < 1.0, "failures were fast; no waiting for timeouts"
    assert agent.log == ["large: timeout", "large: ServerError", "default: ServerError"], "each failure logged"
else:
    print("(real endpoint: the simulator-only checks here are skipped)")

# %% [markdown]
# Each rung trades quality for availability, and the `degraded` flag lets the UI say so ("this
# answer may be out of date"). Catch `LLMError` and `TimeoutError`, not `Exception`: a typo in
# your own code should crash loudly, not be served from the cache.
#
# ## Exercises
#
# 1. [`exercises/ex10_retry.py`](../exercises/ex10_retry.py): exponential backoff with full
#    jitter, a floor at `retry_after`, and no retries for errors that are not retryable.
# 2. [`exercises/ex10_fallback.py`](../exercises/ex10_fallback.py): a primary model with a
#    timeout, then a secondary, making sure a timed-out call is really cancelled.

# %%
from course_utils import check, hint  # noqa: E402

check("ex10_retry")

# %%
check("ex10_fallback")

# %% [markdown]
# ## Quiz

# %%
from course_utils import quiz  # noqa: E402

quiz("10")

# %% [markdown]
# ## Summary
#
# - Retry transient errors with exponential backoff and full jitter, honouring `retry_after`;
#   never retry a bad request. `tenacity` does this declaratively.
# - Nest two deadlines: a per-attempt timeout inside the retry loop, an overall budget around
#   it. The outer one's cancellation passes straight through the inner `except TimeoutError`.
# - Degrade step by step: fallback model, then a cached answer marked stale; catch the errors
#   you expect, not `Exception`.
#
# **Going further:** lesson 11 puts agents behind queues and worker pools, where timeouts and
# retries become per-job policies.
