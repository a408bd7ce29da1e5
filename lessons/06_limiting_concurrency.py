# %% [markdown]
# # 06 · Limiting concurrency
#
# You have 200 support tickets to classify. `asyncio.gather` will happily send all 200 requests
# in the same millisecond, and the provider will answer almost all of them with HTTP 429: *Too
# Many Requests*.
#
# Lesson 05 was about running many things at once. This one is about running *the right number*
# at once, and at the right rate.
#
# ## Learning objectives
# - Explain why an unbounded `gather` fails against a rate-limited provider, and count the 429s.
# - Cap the requests in flight with `asyncio.Semaphore`, and prefer a sliding window to fixed
#   batches.
# - Write an async token-bucket limiter for requests/min **and** tokens/min that waits instead of
#   being refused.
# - Let concurrency adapt to the provider (AIMD), and use `aiolimiter` without its burst surprise.

# %%
import asyncio
import math
from functools import partial

from matplotlib.figure import Figure

from course_utils import RateLimitError, RateLimits, SimulatedLLM, Timeline, clock, compare_many
from course_utils.config import LARGE_MODEL
from course_utils.plots import plot_concurrency
from course_utils.ratelimit import TokenBucket
from course_utils.textgen import count_tokens

# The provider's limits for this lesson (a small account): 600 requests and 60,000 tokens per
# minute, with at most 5 requests in one burst.
LIMITS = dict(requests_per_minute=600, tokens_per_minute=60_000, burst_requests=5)
RATE = LIMITS["requests_per_minute"] / 60  # requests per course second
MAX_TOKENS = 64                            # every classification answer is short


def provider():
    """A fresh simulated account with full rate-limit buckets."""
    return SimulatedLLM(rate_limits=RateLimits(**LIMITS))


TICKETS = [f"Classify the sentiment of support ticket #{i}: 'the app is slow again today'."
           for i in range(200)]
print(f"limit: {RATE:g} requests/s; {len(TICKETS)} tickets to classify")

# %% [markdown]
# ## The 429 storm
#
# Fire everything at once, the lesson 05 way:

# %% tags=["raises-exception"]
llm = provider()
answers = await asyncio.gather(*(llm.complete(t, max_tokens=MAX_TOKENS) for t in TICKETS))

# %% [markdown]
# The first 429 propagated and took the results of the whole batch with it. With
# `return_exceptions=True` you can count the refusals:

# %%
llm = provider()
async with Timeline() as storm:
    results = await asyncio.gather(*(llm.complete(t, max_tokens=MAX_TOKENS) for t in TICKETS),
                                   return_exceptions=True)

refused = [r for r in results if isinstance(r, RateLimitError)]
print(f"{len(refused)} of {len(TICKETS)} refused in {storm.elapsed:.2f} s; e.g. {refused[0]}")
print(f"the server asked them to retry after {min(r.retry_after for r in refused):.2f} to "
      f"{max(r.retry_after for r in refused):.2f} s")
storm.plot(title=f"200 requests at once: {len(refused)} answered with 429")

# %% [markdown]
# Only the burst allowance (5), plus the few requests that dripped into the bucket while the
# storm was being sent, got through; the rest, over 180, came back refused within a fraction of
# a second. Retrying them all at once would just repeat the storm. You need to hold requests
# back *before* you send them.

# %%
assert len(refused) > 180

# %% [markdown]
# ## A semaphore caps the requests in flight
#
# An `asyncio.Semaphore(n)` holds `n` slots: `await sem.acquire()` takes one (waiting while none
# is free) and `sem.release()` gives it back. Below, a slot is taken **before** each task is
# created and given back when the task finishes, so at most `limit` requests exist at any moment:
# a *sliding window* over the jobs. (The everyday form, `async with sem:` inside each coroutine
# you `gather`, caps the requests just as well, but creates all the tasks up front, parked on
# the semaphore; with 100,000 jobs that matters.)

# %%
async def sliding_window(jobs, limit):
    """Run jobs (zero-argument async callables), at most `limit` at a time; results in order."""
    slots = asyncio.Semaphore(limit)
    tasks = []
    async with asyncio.TaskGroup() as tg:
        for job in jobs:
            await slots.acquire()                        # wait for a free slot...
            task = tg.create_task(job())                 # ...then start the next job
            task.add_done_callback(lambda _: slots.release())
            tasks.append(task)
    return [task.result() for task in tasks]


llm = provider()
jobs = [partial(llm.complete, t, max_tokens=MAX_TOKENS) for t in TICKETS[:40]]
async with Timeline() as capped:
    answers = await sliding_window(jobs, limit=4)

throughput = len(answers) / capped.elapsed
print(f"peak in flight {capped.peak_concurrency}, 429s: {llm.usage.errors['rate_limit']}, "
      f"throughput {throughput:.1f} requests/s (limit {RATE:g}), median latency {llm.usage.latency_median:.2f} s")
plot_concurrency(capped, limit=4, title="Semaphore(4): never more than 4 requests in flight")

# %% [markdown]
# No 429s, and the timeline confirms the cap. But look at the throughput: about half of what the
# account allows. A semaphore limits **concurrency**, not **rate**. The two are linked by
# Little's law, *throughput = requests in flight / latency*: 4 requests of about 0.65 s each give
# about 6 requests per second, whatever the provider allows.

# %%
assert capped.peak_concurrency == 4
assert llm.usage.errors["rate_limit"] == 0
assert 0.5 < llm.usage.latency_median < 0.8
assert 0.4 * RATE < throughput < 0.75 * RATE
little = 4 / llm.usage.latency_median
assert 0.75 * little < throughput < 1.15 * little, (throughput, little)  # Little's law

# %% [markdown]
# So could you pick `limit = RATE x latency`, about 6? Only while the latency holds: when answers
# get shorter or a cache makes them faster, the same concurrency sends requests faster and the
# 429s come back. Keep that thought; the playground at the end of the lesson lets you try it.
#
# ### Fixed batches waste the window
#
# A common alternative is to cut the work into batches of 8 and `gather` each batch. It also
# never has more than 8 requests in flight, but each batch waits for its **slowest** request
# while the other slots sit idle. With a mixed workload (here one request in four goes to the
# large, slow model) the difference is large. This comparison has no rate limit, to isolate the
# effect.

# %%
async def in_batches(jobs, size):
    results = []
    for i in range(0, len(jobs), size):
        results += await asyncio.gather(*(job() for job in jobs[i:i + size]))
    return results


def mixed_jobs(llm):
    return [partial(llm.complete, t, model=LARGE_MODEL if i % 4 == 0 else None)
            for i, t in enumerate(TICKETS[:24])]


batching = await compare_many({  # a fresh client each, so both runs get the same latencies
    "batches of 8": lambda: in_batches(mixed_jobs(SimulatedLLM()), 8),
    "sliding window 8": lambda: sliding_window(mixed_jobs(SimulatedLLM()), 8),
})
print(batching)
batching.plot(title="Same cap, same jobs: batches wait for their slowest member")

# %%
for label, timeline in batching.timelines.items():
    assert timeline.peak_concurrency <= 8, label
assert 1.4 < batching.speedup("sliding window 8") < 2.6, batching

# %% [markdown]
# The sliding window finishes the same jobs almost twice as fast with the same cap: as soon as
# one request finishes, the next starts. Prefer it to fixed batches unless the batch boundary
# means something (a transaction, a checkpoint).
#
# ## Limit the rate: a token bucket
#
# Providers enforce their limits with **token buckets**, one for requests and one for tokens. A
# bucket holds at most `capacity` tokens and refills continuously at `rate` tokens per second; a
# request that finds too few tokens is refused, and the refusal says how long to wait. The
# course's `TokenBucket` is the same arithmetic the simulated provider uses:

# %%
bucket = TokenBucket.per_minute(LIMITS["requests_per_minute"], burst=LIMITS["burst_requests"])
taken = [bucket.try_take(1) for _ in range(7)]
print(taken, f"-> next token in {bucket.wait_time(1):.2f} s")
assert taken == [True] * 5 + [False] * 2
assert 0.5 / RATE < bucket.wait_time(1) <= 1 / RATE

# %% [markdown]
# The fix for the storm is to keep the **same buckets on your side** and *wait* for tokens before
# sending, instead of sending and being refused. Each request needs one token from the requests
# bucket and, from the tokens bucket, its prompt tokens plus `max_tokens` (providers reserve the
# most a reply may use). Two details make it robust:
#
# - an `asyncio.Lock` makes waiters take turns, so two tasks never both spend the same token;
# - a little **headroom** (95% of the quota): your clock and the provider's never agree exactly,
#   and you may share the quota with another process.

# %%
class RateLimiter:
    """Wait until both buckets can pay for a request, then pay. Rates are per course minute."""

    def __init__(self, requests_per_minute, tokens_per_minute, burst_requests=None, headroom=0.95):
        self.requests = TokenBucket.per_minute(requests_per_minute * headroom, burst=burst_requests)
        self.tokens = TokenBucket.per_minute(tokens_per_minute * headroom)
        self._turn = asyncio.Lock()  # first come, first served

    async def acquire(self, tokens):
        if tokens > self.tokens.capacity:
            raise ValueError(f"a request of {tokens} tokens can never fit in {self.tokens.capacity:g}")
        async with self._turn:
            while True:
                wait = max(self.requests.wait_time(1), self.tokens.wait_time(tokens))
                if wait == 0:
                    self.requests.try_take(1)
                    self.tokens.try_take(tokens)
                    return
                await clock.sleep(wait)  # never time.sleep: other tasks keep running


def tokens_needed(prompt, max_tokens):
    # prompt + 3 tokens of per-message overhead (the simulator counts like OpenAI) + the reply cap
    return count_tokens(prompt) + 3 + max_tokens


async def classify(llm, limiter, ticket):
    await limiter.acquire(tokens_needed(ticket, MAX_TOKENS))
    return await llm.complete(ticket, max_tokens=MAX_TOKENS)


llm = provider()
limiter = RateLimiter(**LIMITS)
async with Timeline() as paced:
    answers = await asyncio.gather(*(classify(llm, limiter, t) for t in TICKETS[:100]))

throughput = len(answers) / paced.elapsed
print(f"{len(answers)} answers, 429s: {llm.usage.errors['rate_limit']}, "
      f"throughput {throughput:.1f} requests/s (limit {RATE:g}) in {paced.elapsed:.1f} s")
paced.plot(title="Paced by a token bucket: a steady staircase, no 429s")

# %% [markdown]
# Every request started the moment the bucket allowed it, so the starts form a staircase at the
# allowed rate: **zero** 429s, and throughput at about 95% of the limit (the headroom we chose).
# Here the requests bucket is the one that binds: a request reserves about 84 tokens, so 10
# requests a second use 840 of the 1,000 tokens a second allowed. Long prompts or a larger
# `max_tokens` would make the tokens bucket bind instead, and the same limiter would pace by it.

# %%
assert llm.usage.errors["rate_limit"] == 0
assert 0.85 * RATE < throughput <= RATE, throughput
per_request = tokens_needed(TICKETS[0], MAX_TOKENS)
assert 75 < per_request < 95
assert answers[0].prompt_tokens == count_tokens(TICKETS[0]) + 3  # the estimate matches the bill
assert per_request * RATE < LIMITS["tokens_per_minute"] / 60     # requests bind, not tokens

# %% [markdown]
# ## Adaptive concurrency: AIMD
#
# A limiter needs to know the limit. Often you do not: the quota is shared with other services,
# or the provider lowers it under load. TCP solved the same problem decades ago with **additive
# increase, multiplicative decrease**: after each success, grow the window a little (here, by
# about one slot per round trip); on a 429, halve it and wait the `retry_after` the server sent.
# A burst of 429s caused by one overshoot should count once, so a request cuts the limit only if
# it started after the last cut.

# %%
class AdaptiveLimit:
    """A concurrency limit that probes upwards on success and halves on a 429."""

    def __init__(self, start=1, ceiling=32):
        self.limit, self.ceiling, self.in_flight = float(start), ceiling, 0
        self.last_cut = -math.inf
        self.history = [(clock.now(), self.limit)]
        self._changed = asyncio.Condition()

    async def acquire(self):
        async with self._changed:
            await self._changed.wait_for(lambda: self.in_flight < int(self.limit))
            self.in_flight += 1
        return clock.now()

    async def release(self):
        async with self._changed:
            self.in_flight -= 1
            self._changed.notify_all()

    def succeeded(self):
        self.limit = min(self.ceiling, self.limit + 1 / self.limit)  # +1 per window of successes
        self.history.append((clock.now(), self.limit))

    def throttled(self, started):
        if started > self.last_cut:  # one cut per overshoot, not one per refused request
            self.limit = max(1.0, self.limit / 2)
            self.last_cut = clock.now()
            self.history.append((clock.now(), self.limit))


async def classify_adaptive(llm, window, ticket):
    while True:
        started = await window.acquire()
        try:
            answer = await llm.complete(ticket, max_tokens=MAX_TOKENS)
        except RateLimitError as error:
            window.throttled(started)
            wait = error.retry_after
        else:
            window.succeeded()
            return answer
        finally:
            await window.release()
        await clock.sleep(wait)  # honour Retry-After, without holding a slot


llm = provider()
window = AdaptiveLimit()
t0 = clock.now()
answers = await asyncio.gather(*(classify_adaptive(llm, window, t) for t in TICKETS[:100]))
elapsed = clock.now() - t0
cuts = sum(1 for (_, a), (_, b) in zip(window.history, window.history[1:]) if b < a)
throughput = len(answers) / elapsed
print(f"{len(answers)} answers, {llm.usage.errors['rate_limit']} 429s, {cuts} cuts, "
      f"throughput {throughput:.1f} requests/s (limit {RATE:g})")

fig = Figure(figsize=(8, 3), layout="constrained")
ax = fig.add_subplot()
times, limits = zip(*[(t - t0, limit) for t, limit in window.history])
ax.step(times, limits, where="post", color="#0072B2", label="concurrency limit")
ax.axhline(RATE * llm.usage.latency_median, color="#D55E00", linestyle="--",
           label="rate x latency (what the account sustains)")
ax.set(xlabel="time (course seconds)", ylabel="requests in flight allowed",
       title="AIMD: probe up on success, halve on a 429")
ax.legend(loc="lower right", fontsize=8)
fig

# %% [markdown]
# The sawtooth is the algorithm at work: it creeps up to what the account sustains, overshoots,
# gets a 429, halves, and creeps up again. A handful of 429s instead of over 180, well over half
# the limit in throughput, and it never had to be told the limit.

# %%
assert len(answers) == 100
assert 0 < llm.usage.errors["rate_limit"] <= 15
assert cuts >= 1 and max(limits) >= 4
assert throughput > 0.6 * RATE, throughput

# %% [markdown]
# ## The library way: `aiolimiter`
#
# You rarely need to maintain your own limiter: `aiolimiter.AsyncLimiter(max_rate, time_period)`
# is a well-tested leaky bucket. One surprise first: **its burst is `max_rate`**. "600 per
# minute" lets 600 requests through in the first instant, and this provider allows bursts of 5.
#
# (aiolimiter measures real seconds on the event loop's clock, so course seconds go through
# `clock.to_real`.)

# %%
from aiolimiter import AsyncLimiter  # noqa: E402


async def classify_with(llm, requests, tokens, ticket):
    await tokens.acquire(tokens_needed(ticket, MAX_TOKENS))
    async with requests:
        return await llm.complete(ticket, max_tokens=MAX_TOKENS)


llm = provider()
per_minute = AsyncLimiter(LIMITS["requests_per_minute"], time_period=clock.to_real(60))
token_limit = AsyncLimiter(LIMITS["tokens_per_minute"], time_period=clock.to_real(60))
results = await asyncio.gather(*(classify_with(llm, per_minute, token_limit, t) for t in TICKETS),
                               return_exceptions=True)
surprise = sum(isinstance(r, RateLimitError) for r in results)
print(f"AsyncLimiter(600 per minute): {surprise} of {len(TICKETS)} refused")
assert surprise > 0.9 * len(TICKETS)

# %% [markdown]
# The same storm as at the start. Express the rate over a period short enough that `max_rate`
# equals the provider's burst: 5 requests per half second is still 600 per minute. The tokens
# limiter can keep its minute: the provider's tokens bucket also holds a full minute.

# %%
llm = provider()
burst = LIMITS["burst_requests"] * 0.95                    # with headroom, as before
per_burst = AsyncLimiter(burst, time_period=clock.to_real(burst / (RATE * 0.95)))
token_limit = AsyncLimiter(LIMITS["tokens_per_minute"] * 0.95, time_period=clock.to_real(60))
t0 = clock.now()
answers = await asyncio.gather(*(classify_with(llm, per_burst, token_limit, t) for t in TICKETS[:50]))
throughput = len(answers) / (clock.now() - t0)
print(f"AsyncLimiter({burst:g} per {burst / (RATE * 0.95):g} s): "
      f"{llm.usage.errors['rate_limit']} refused, throughput {throughput:.1f} requests/s")
assert llm.usage.errors["rate_limit"] == 0
assert 0.8 * RATE < throughput <= RATE

# %% [markdown]
# ## Playground: concurrency against a rate limit
#
# How does throughput depend on the number of requests in flight, when the provider limits the
# rate? `measure` sends 20 requests through a semaphore of the given size, retrying each 429
# after its `retry_after`, and reports throughput and the number of 429s.

# %%
async def measure(concurrency, n=20):
    llm = provider()
    slots = asyncio.Semaphore(concurrency)

    async def one(ticket):
        async with slots:
            while True:
                try:
                    return await llm.complete(ticket, max_tokens=MAX_TOKENS)
                except RateLimitError as error:
                    await clock.sleep(error.retry_after)

    t0 = clock.now()
    await asyncio.gather(*(one(t) for t in TICKETS[:n]))
    return {"throughput": n / (clock.now() - t0), "429s": llm.usage.errors["rate_limit"]}


def draw_sweep(runs):
    fig = Figure(figsize=(8, 3), layout="constrained")
    left, right = fig.subplots(1, 2)
    xs = sorted(runs)
    left.plot(xs, [runs[c]["throughput"] for c in xs], "o-", color="#0072B2")
    left.axhline(RATE, color="#D55E00", linestyle="--", label=f"rate limit {RATE:g}/s")
    left.set_xscale("log", base=2)
    left.set_xticks(xs, [str(c) for c in xs])
    left.minorticks_off()
    left.set(xlabel="requests in flight", ylabel="requests/s", title="throughput",
             ylim=(0, RATE * 1.3))
    left.legend(fontsize=8)
    right.bar([str(c) for c in xs], [runs[c]["429s"] for c in xs], color="#B2182B")
    right.set(xlabel="requests in flight", ylabel="429 answers", title="429s along the way")
    for ax in (left, right):
        ax.grid(alpha=0.3)
    return fig


# %% [markdown]
# Move the slider and press the button: each press runs `measure` with that many requests in
# flight and redraws the plot with every value you have tried. The callback cannot `await`
# (widgets call it as a plain function), so it schedules the run on the notebook's running event
# loop with `asyncio.ensure_future` and keeps a reference to the task until it is done: the loop
# itself holds only a weak reference, and an unreferenced task can be garbage-collected
# mid-flight. (The widget code is `course_utils/playground.py`, if you want to read it.)

# %%
from course_utils.playground import concurrency_playground  # noqa: E402

playground = await concurrency_playground(measure, draw_sweep)  # runs once at 4 in flight

# %% [markdown]
# Nobody moves a slider when the notebook runs unattended, so here is the sweep the playground
# lets you explore, run directly:

# %%
sweep = {c: await measure(c) for c in (2, 4, 8, 16, 32)}
for c, run in sweep.items():
    print(f"{c:3} in flight: {run['throughput']:5.1f} requests/s, {run['429s']:3} 429s")
draw_sweep(sweep)

# %% [markdown]
# Up to about 4 in flight, doubling the concurrency nearly doubles the throughput (Little's law
# again) and nothing is refused. Past the rate limit, more concurrency buys nothing: throughput
# flattens just under the limit while the 429s pile up. That is exactly why you limit the rate
# (or adapt), rather than guess a concurrency.

# %%
assert sweep[2]["429s"] == 0 and sweep[4]["429s"] == 0
assert 1.6 < sweep[4]["throughput"] / sweep[2]["throughput"] < 2.3
assert sweep[32]["throughput"] < 1.25 * sweep[8]["throughput"]   # flat past the limit
assert sweep[32]["throughput"] < 1.1 * RATE
assert sweep[32]["429s"] > 20 and sweep[32]["429s"] > sweep[4]["429s"]

# %% [markdown]
# ## Exercises
#
# 1. `ex06_rate_limit`: write `fetch_all(llm, prompts, limit)`, never more than `limit` calls in
#    flight and never fewer when work is waiting.
# 2. `ex06_token_bucket`: write the token bucket itself (the refill arithmetic this lesson
#    borrowed from `course_utils`), as an async `RateLimiter(rate, capacity)` that is safe with
#    many concurrent callers.

# %%
from course_utils.checker import check, hint  # noqa: E402

check("ex06_rate_limit")

# %%
check("ex06_token_bucket")

# %% [markdown]
# ## Quiz

# %%
from course_utils import quiz  # noqa: E402

quiz("06")

# %% [markdown]
# ## Summary
#
# - An unbounded `gather` against a rate-limited API turns into a 429 storm: only the burst
#   allowance gets through.
# - A `Semaphore` caps requests **in flight**; by Little's law that sets throughput only
#   indirectly (in flight / latency). Use a sliding window, not fixed batches.
# - To respect a **rate**, keep token buckets on your side (requests *and* tokens, with a little
#   headroom) and wait before sending: zero 429s at close to the full rate.
# - When you do not know the limit, AIMD finds it: grow on success, halve on 429, honour
#   `retry_after`.
# - `aiolimiter.AsyncLimiter(max_rate, period)` bursts up to `max_rate`: choose the period so
#   the burst matches the provider's.
#
# **Going further:** lesson 07 handles the failures that remain: timeouts, retries with backoff
# and fallbacks.
