# %% [markdown]
# # 08 · Rate limits
#
# Lesson 07 capped how many requests are in flight, and found that the rate this gives depends on
# latency. Providers count something else: requests and tokens **per minute**. To send at their
# rate and never be refused, keep their arithmetic on your side, and wait before you send.
#
# ## Learning objectives
# - Explain a token bucket and read its level over time.
# - Write an async limiter for requests/min **and** tokens/min that waits instead of being refused.
# - Show that a race needs an `await` between check and act, and say what an `asyncio.Lock` buys
#   a limiter (fairness, not safety).
# - Let concurrency adapt to the provider (AIMD, with an `asyncio.Condition`), and use
#   `aiolimiter` without its burst surprise.

# %%
import asyncio
import math

from aiolimiter import AsyncLimiter

from course_utils import RateLimitError, RateLimits, connect, simulated
from course_utils.ratelimit import TokenBucket
from course_utils.ratelimit_plots import bucket_levels, plot_aimd, plot_bucket_levels, plot_sweep
from course_utils.textgen import count_tokens

loop = asyncio.get_running_loop()
# The same small account as in lesson 07: 600 requests and 60,000 tokens per minute, bursts of 5.
LIMITS = dict(requests_per_minute=600, tokens_per_minute=60_000, burst_requests=5)
RATE = LIMITS["requests_per_minute"] / 60  # requests per second
MAX_TOKENS = 64


def provider():
    """A fresh simulated account with full rate-limit buckets (a real endpoint has its own)."""
    return connect(rate_limits=RateLimits(**LIMITS))


# 200 tickets on the simulator; on a real endpoint 20, since every real call costs money.
TICKETS = [f"Classify the sentiment of support ticket #{i}: 'the app is slow again today'."
           for i in range(200 if simulated() else 20)]

# %% [markdown]
# ## The token bucket
#
# Providers enforce their limits with **token buckets**, one for requests and one for tokens. A
# bucket holds at most `capacity` tokens and refills continuously at `rate` tokens per second; a
# request that finds too few tokens is refused, and the refusal says how long to wait. The
# course's `TokenBucket` is the same arithmetic the simulated provider uses. Here is a small one,
# 5 tokens refilled at one per second, hit by seven requests at once:

# %%
bucket = TokenBucket(capacity=5, rate=1)
taken = [bucket.try_take(1) for _ in range(7)]
wait = bucket.wait_time(1)
print(taken, f"-> next token in {wait:.2f} s")
assert taken == [True] * 5 + [False] * 2, "a burst of 5, then refused"
assert wait <= 1, "the next token is at most one refill away"

# %% [markdown]
# ## A race needs an `await`
#
# The fix for lesson 07's storm is to keep the **same buckets on your side** and *wait* for a
# token before sending. Here are two ways to write "wait for a token, then take it". The first
# checks, then awaits something (here a stand-in for an async audit log), then takes. The second
# checks and takes in one step, `try_take`, with no `await` in between. Twenty tasks use each,
# against the provider; our bucket has a little **headroom** (4 of its 5 burst, 95% of its rate),
# because your clock and the provider's never agree exactly.

# %%
async def acquire_racy(bucket):
    while bucket.available < 1:               # check...
        await asyncio.sleep(bucket.wait_time(1))
    await asyncio.sleep(0)                    # ...an await: every other task runs here...
    bucket.try_take(1)                        # ...act on a stale check: we send even if it is empty


async def acquire(bucket):
    while not bucket.try_take(1):             # check and take in one step: no await between
        await asyncio.sleep(bucket.wait_time(1))


async def send(llm, bucket, acquire_token, ticket):
    await acquire_token(bucket)
    return await llm.complete(ticket, max_tokens=MAX_TOKENS)


refused = {}
for acquire_token in (acquire_racy, acquire):
    llm, ours = provider(), TokenBucket(capacity=4, rate=0.95 * RATE)
    await asyncio.gather(*(send(llm, ours, acquire_token, t) for t in TICKETS[:20]),
                         return_exceptions=True)
    refused[acquire_token.__name__] = llm.usage.errors["rate_limit"]
print("429s:", refused)
if simulated():
    assert refused["acquire_racy"] >= 10, "all twenty passed the check before anyone took a token"
    assert refused["acquire"] == 0, "check-and-take without an await between never overspends"
else:
    print("(real endpoint: the simulator-only checks here are skipped)")

# %% [markdown]
# In `acquire_racy`, all twenty tasks saw a full bucket, and all twenty stepped aside at the
# `await` before any of them took a token: the check was stale by the time they acted, and the
# provider refused the overdraft. In `acquire`, nothing can run between the check and the take,
# because asyncio only switches tasks at an `await`. **No `await` between check and act, no
# race**, and no lock needed for safety.
#
# ## A limiter for requests and tokens
#
# Each request needs one token from the requests bucket and, from the tokens bucket, its prompt
# tokens plus `max_tokens` (providers reserve the most a reply may use). The limiter below waits
# until both can pay. It holds an `asyncio.Lock` (`async with lock:` lets one task in at a time,
# the others queue in arrival order). Not for safety, as you just saw: for **fairness**. Without
# it, a request needing many tokens could keep waking up to find that small requests arriving
# later took the refill first; with it, requests are served first come, first served.

# %%
class RateLimiter:
    """Wait until both buckets can pay for a request, then pay. Rates are per minute."""

    def __init__(self, requests_per_minute, tokens_per_minute, burst_requests=None, headroom=0.95):
        self.requests = TokenBucket.per_minute(requests_per_minute * headroom, burst=burst_requests)
        self.tokens = TokenBucket.per_minute(tokens_per_minute * headroom)
        self._turn = asyncio.Lock()  # first come, first served
        self.created, self.granted = loop.time(), []  # when each request went out

    async def acquire(self, tokens):
        if tokens > self.tokens.capacity:
            raise ValueError(f"a request of {tokens} tokens can never fit in {self.tokens.capacity:g}")
        async with self._turn:
            while (wait := max(self.requests.wait_time(1), self.tokens.wait_time(tokens))) > 0:
                await asyncio.sleep(wait)  # never time.sleep: other tasks keep running
            self.requests.try_take(1)      # no await since the check: this cannot fail
            self.tokens.try_take(tokens)
            self.granted.append(loop.time())


def tokens_needed(prompt, max_tokens):
    # prompt + 3 tokens of per-message overhead (the simulator counts like OpenAI) + the reply cap
    return count_tokens(prompt) + 3 + max_tokens


async def classify(llm, limiter, ticket):
    await limiter.acquire(tokens_needed(ticket, MAX_TOKENS))
    return await llm.complete(ticket, max_tokens=MAX_TOKENS)


llm = provider()
limiter = RateLimiter(**LIMITS)
answers = await asyncio.gather(*(classify(llm, limiter, t) for t in TICKETS[:60]))
elapsed = loop.time() - limiter.created
throughput = len(answers) / elapsed
print(f"{len(answers)} answers, 429s: {llm.usage.errors['rate_limit']}, "
      f"throughput {throughput:.1f} requests/s (limit {RATE:g}) in {elapsed:.1f} s")

# %% [markdown]
# Zero 429s, close to the limit but under it (the 95% headroom, and the first answers' latency,
# keep it a little below). Here is why, drawn from the moments the limiter let each request go:
# your requests bucket (blue) starts full, the first burst empties it, and from then on each
# refill of one token pays for the next request, a sawtooth just above zero. The provider's
# bucket (orange), replayed over the same moments, never drops below zero, so no request ever
# found it empty; it even fills slowly, by the 5% you left as headroom.

# %%
buckets = {"your limiter": (limiter.requests.capacity, limiter.requests.rate),
           "the provider": (LIMITS["burst_requests"], RATE)}
per_request = tokens_needed(TICKETS[0], MAX_TOKENS)
if simulated():
    assert llm.usage.errors["rate_limit"] == 0, "no request was refused"
    assert answers[0].prompt_tokens == count_tokens(TICKETS[0]) + 3, "the estimate matches the bill"
    assert 0.7 * RATE < throughput <= RATE, f"close to the limit, never above it ({throughput:.1f}/s)"
else:
    print("(real endpoint: the simulator-only checks here are skipped)")
provider_levels = bucket_levels(limiter.granted, *buckets["the provider"], start=limiter.created)[1]
assert min(provider_levels) > -0.1, "the provider's bucket never ran dry"
assert 75 < per_request < 95 and per_request * RATE < LIMITS["tokens_per_minute"] / 60, \
    "about 84 tokens a request: the requests bucket binds, not the tokens bucket"
plot_bucket_levels(limiter.granted, buckets, start=limiter.created, end=loop.time())

# %% [markdown]
# Here the requests bucket is the one that binds: a request reserves about 84 tokens, so 10
# requests a second use 840 of the 1,000 tokens a second allowed. Long prompts or a larger
# `max_tokens` would make the tokens bucket bind instead, and the same limiter would pace by it.
#
# ## Adaptive concurrency: AIMD
#
# A limiter needs to know the limit. Often you do not: the quota is shared with other services,
# or the provider lowers it under load. TCP solved the same problem decades ago with **additive
# increase, multiplicative decrease**: after each success, grow the window a little (here, by
# about one slot per round trip); on a 429, halve it and wait the `retry_after` the server sent,
# **without holding a slot** while you wait. A burst of 429s caused by one overshoot should count
# once, so a request cuts the limit only if it started after the last cut.
#
# The window is a semaphore whose size changes, which `asyncio.Semaphore` cannot do. An
# `asyncio.Condition` can: `async with cond:` holds its lock, `await cond.wait_for(predicate)`
# releases the lock and sleeps until another task calls `cond.notify_all()` and the predicate is
# true. (Its simpler sibling `asyncio.Event` wakes every waiter once `event.set()` is called.)

# %%
class AdaptiveLimit:
    """A concurrency limit that probes upwards on success and halves on a 429."""

    def __init__(self, start=1, ceiling=32):
        self.limit, self.ceiling, self.in_flight = float(start), ceiling, 0
        self.last_cut = -math.inf
        self.history = [(loop.time(), self.limit)]
        self._changed = asyncio.Condition()

    async def acquire(self):
        async with self._changed:
            await self._changed.wait_for(lambda: self.in_flight < int(self.limit))
            self.in_flight += 1
        return loop.time()

    async def release(self):
        async with self._changed:
            self.in_flight -= 1
            self._changed.notify_all()

    def succeeded(self):
        self.limit = min(self.ceiling, self.limit + 1 / self.limit)  # +1 per window of successes
        self.history.append((loop.time(), self.limit))

    def throttled(self, started):
        if started > self.last_cut:  # one cut per overshoot, not one per refused request
            self.limit = max(1.0, self.limit / 2)
            self.last_cut = loop.time()
            self.history.append((loop.time(), self.limit))


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
        await asyncio.sleep(wait)  # honour Retry-After, without holding a slot


llm = provider()
window = AdaptiveLimit()
answers = await asyncio.gather(*(classify_adaptive(llm, window, t) for t in TICKETS[:80]))
elapsed = loop.time() - window.history[0][0]
cuts = sum(1 for (_, a), (_, b) in zip(window.history, window.history[1:]) if b < a)
throughput = len(answers) / elapsed
print(f"{len(answers)} answers, {llm.usage.errors['rate_limit']} 429s, {cuts} cuts, "
      f"throughput {throughput:.1f} requests/s (limit {RATE:g})")
if simulated():
    assert 0 < llm.usage.errors["rate_limit"] <= 15, "a handful of 429s, not a storm"
    assert cuts >= 1 and max(limit for _, limit in window.history) >= 4, "it probed up, then cut"
    assert throughput > 0.5 * RATE, "at least half the limit, never told the limit"
else:
    print("(real endpoint: the simulator-only checks here are skipped)")
plot_aimd(window.history, RATE * llm.usage.latency_median, start=window.history[0][0])

# %% [markdown]
# The sawtooth is the algorithm at work: it creeps up to what the account sustains, overshoots,
# gets a 429, halves, and creeps up again. A handful of 429s instead of a storm, at least half
# the limit in throughput, and it never had to be told the limit.
#
# ## The library way: `aiolimiter`
#
# You rarely need to maintain your own limiter: `aiolimiter.AsyncLimiter(max_rate, time_period)`
# is a well-tested leaky bucket (`async with limiter:` waits for capacity, then proceeds;
# `await limiter.acquire(n)` takes `n` at once). One surprise first: **its burst is `max_rate`**.
# "600 per minute" lets 600 requests through in the first instant, and this provider allows
# bursts of 5.

# %%
async def classify_with(llm, requests, tokens, ticket):
    await tokens.acquire(tokens_needed(ticket, MAX_TOKENS))
    async with requests:
        return await llm.complete(ticket, max_tokens=MAX_TOKENS)


per_minute = AsyncLimiter(LIMITS["requests_per_minute"], 60)
token_limit = AsyncLimiter(LIMITS["tokens_per_minute"], 60)
async with provider() as llm:  # closes the client's connections when the storm is over
    results = await asyncio.gather(*(classify_with(llm, per_minute, token_limit, t) for t in TICKETS),
                                   return_exceptions=True)
surprise = sum(isinstance(r, RateLimitError) for r in results)
print(f"AsyncLimiter(600, 60): {surprise} of {len(TICKETS)} refused")
if simulated():
    assert surprise > 0.75 * len(TICKETS), "the same storm as in lesson 07"
else:
    print("(real endpoint: the simulator-only checks here are skipped)")

# %% [markdown]
# The same storm as in lesson 07. Express the rate over a period short enough that `max_rate`
# equals the provider's burst: 5 requests per half second is still 600 per minute. The tokens
# limiter can keep its minute: the provider's tokens bucket also holds a full minute.

# %%
llm = provider()
burst = LIMITS["burst_requests"] * 0.95                    # with headroom, as before
per_burst = AsyncLimiter(burst, burst / (RATE * 0.95))
token_limit = AsyncLimiter(LIMITS["tokens_per_minute"] * 0.95, 60)
start = loop.time()
answers = await asyncio.gather(*(classify_with(llm, per_burst, token_limit, t) for t in TICKETS[:40]))
throughput = len(answers) / (loop.time() - start)
print(f"AsyncLimiter({burst:g}, {burst / (RATE * 0.95):g}): "
      f"{llm.usage.errors['rate_limit']} refused, throughput {throughput:.1f} requests/s")
if simulated():
    assert llm.usage.errors["rate_limit"] == 0, "no request was refused"
    assert 0.7 * RATE < throughput <= RATE, f"close to the limit, never above it ({throughput:.1f}/s)"
else:
    print("(real endpoint: the simulator-only checks here are skipped)")

# %% [markdown]
# ## Playground: concurrency against a rate limit
#
# How does throughput depend on the number of requests in flight, when the provider limits the
# rate? `measure` sends 20 requests through a semaphore of the given size, retrying each 429
# after its `retry_after`, and reports throughput and the number of 429s. The retry sleeps
# *outside* the semaphore: a waiting retry sends nothing, so it must not hold a slot.

# %%
async def measure(concurrency, n=20):
    llm, slots = provider(), asyncio.Semaphore(concurrency)

    async def one(ticket):
        while True:
            async with slots:
                try:
                    return await llm.complete(ticket, max_tokens=MAX_TOKENS)
                except RateLimitError as error:
                    wait = error.retry_after
            await asyncio.sleep(wait)  # the slot is free again while we wait

    start = loop.time()
    await asyncio.gather(*(one(t) for t in TICKETS[:n]))
    return {"throughput": n / (loop.time() - start), "429s": llm.usage.errors["rate_limit"]}


# %% [markdown]
# Move the slider and press the button: each press runs `measure` with that many requests in
# flight and redraws the plot with every value you have tried. A widget calls its callback as a
# plain function, which cannot `await`, so the callback starts the run as a task on the notebook's
# loop and keeps a reference to it until it is done (lesson 04). The widget code lives in
# `course_utils/playground.py`, if you want to read it.

# %%
from course_utils.playground import concurrency_playground  # noqa: E402

playground = await concurrency_playground(measure, lambda runs: plot_sweep(runs, RATE))  # runs once at 4

# %% [markdown]
# Nobody moves a slider when the notebook runs unattended, so here is the sweep the playground
# lets you explore, run directly:

# %%
sweep = {c: await measure(c) for c in (2, 4, 8, 32)}
for c, run in sweep.items():
    print(f"{c:3} in flight: {run['throughput']:5.1f} requests/s, {run['429s']:3} 429s")
if simulated():
    assert sweep[2]["429s"] == 0 and sweep[4]["429s"] == 0, "below the limit, nothing refused"
    assert 1.4 < sweep[4]["throughput"] / sweep[2]["throughput"] < 2.4, "Little's law: 2x in flight, 2x rate"
    for c in (8, 32):
        assert 0.5 * RATE < sweep[c]["throughput"] < 1.1 * RATE, "flat, under the limit"
    assert sweep[32]["429s"] > 20, "while the 429s pile up"
else:
    print("(real endpoint: the simulator-only checks here are skipped)")
plot_sweep(sweep, RATE)

# %% [markdown]
# Up to about 4 in flight, doubling the concurrency nearly doubles the throughput (Little's law
# again) and nothing is refused. Past the rate limit, more concurrency buys nothing: throughput
# flattens just under the limit while the 429s pile up. That is exactly why you limit the rate
# (or adapt), rather than guess a concurrency.
#
# ## Exercise
#
# [`exercises/ex08_token_bucket.py`](../exercises/ex08_token_bucket.py): write the token bucket
# itself (the refill arithmetic this lesson borrowed from `course_utils`), as an async
# `RateLimiter(rate, capacity)` that is safe with many concurrent callers. Edit the file, then run
# the check; `hint("ex08_token_bucket")` helps if you are stuck.

# %%
from course_utils import check, hint  # noqa: E402

check("ex08_token_bucket")

# %% [markdown]
# ## Quiz

# %%
from course_utils import quiz  # noqa: E402

quiz("08")

# %% [markdown]
# ## Summary
#
# - A token bucket holds up to `capacity` tokens and refills at `rate`; providers keep one for
#   requests and one for tokens. Keep the same buckets on your side, with headroom, and *wait*
#   before sending: zero 429s at close to the full rate.
# - A race needs an `await` between check and act. Check-and-take in one step is safe without a
#   lock; an `asyncio.Lock` around it buys first-come, first-served fairness.
# - When you do not know the limit, AIMD finds it: grow on success, halve on a 429, and honour
#   `retry_after` without holding a slot. `asyncio.Condition` lets tasks wait for a changing limit.
# - `aiolimiter.AsyncLimiter(max_rate, period)` bursts up to `max_rate`: choose the period so the
#   burst matches the provider's.
#
# **Going further:** lesson 09 handles calls that never answer: timeouts and cancellation.
