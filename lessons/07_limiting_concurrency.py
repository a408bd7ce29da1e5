# %% [markdown]
# # 07 · Limiting concurrency
#
# You have 200 support tickets to classify. `asyncio.gather` will happily send all 200 requests
# in the same millisecond, and the provider will answer almost all of them with HTTP 429: *Too
# Many Requests*.
#
# Lessons 05 and 06 were about running many things at once. This one is about running *the right
# number* at once; lesson 08 adds the right *rate*.
#
# ## Learning objectives
# - Explain why an unbounded `gather` fails against a rate-limited provider, and count the 429s.
# - Cap the requests in flight with `asyncio.Semaphore`.
# - Predict throughput from concurrency and latency with Little's law.
# - Prefer a sliding window to fixed batches, and say why.

# %%
import asyncio
from functools import partial

from course_utils import RateLimitError, RateLimits, Timeline, compare_many, connect, simulated
from course_utils.config import LARGE_MODEL
from course_utils.plots import plot_concurrency

# The provider's limits for this lesson (a small account): 600 requests and 60,000 tokens per
# minute, with at most 5 requests in one burst.
LIMITS = dict(requests_per_minute=600, tokens_per_minute=60_000, burst_requests=5)
RATE = LIMITS["requests_per_minute"] / 60  # requests per second
MAX_TOKENS = 64                            # every classification answer is short


def provider():
    """A fresh simulated account with full rate-limit buckets (a real endpoint has its own)."""
    return connect(rate_limits=RateLimits(**LIMITS))


# 200 tickets on the simulator; on a real endpoint 20, since every real call costs money.
TICKETS = [f"Classify the sentiment of support ticket #{i}: 'the app is slow again today'."
           for i in range(200 if simulated() else 20)]
print(f"limit: {RATE:g} requests/s; {len(TICKETS)} tickets to classify")

# %% [markdown]
# ## The 429 storm
#
# Fire everything at once, the lesson 05 way:

# %% tags=["raises-exception"]
# This cell fails on purpose: RateLimitError, 429 Too Many Requests
async with provider() as llm:  # `async with` closes the client even when the block fails
    answers = await asyncio.gather(*(llm.complete(t, max_tokens=MAX_TOKENS) for t in TICKETS))

# %% [markdown]
# The first 429 propagated and took the results of the whole batch with it. With
# `return_exceptions=True` you can count the refusals:

# %%
async with provider() as llm, Timeline() as storm:
    results = await asyncio.gather(*(llm.complete(t, max_tokens=MAX_TOKENS) for t in TICKETS),
                                   return_exceptions=True)

refused = [r for r in results if isinstance(r, RateLimitError)]
print(f"{len(refused)} of {len(TICKETS)} refused in {storm.elapsed:.2f} s")
if refused:
    print(f"e.g. {refused[0]}; the server asked them to retry after "
          f"{min(r.retry_after for r in refused):.2f} to {max(r.retry_after for r in refused):.2f} s")
if simulated():
    assert len(refused) > 0.75 * len(TICKETS), "only the burst and a trickle got through"
else:
    print("(real endpoint: the simulator-only checks here are skipped)")
storm.plot(title=f"{len(TICKETS)} requests at once: {len(refused)} answered with 429")

# %% [markdown]
# Only the burst allowance (5), plus the few requests that dripped into the bucket while the
# storm was being sent, got through; the rest, well over three quarters of the storm, came back
# refused within a fraction of a second. Retrying them all at once would just repeat the storm.
# You need to hold requests back *before* you send them.
#
# ## A semaphore caps the requests in flight
#
# An `asyncio.Semaphore(n)` holds `n` slots: `await sem.acquire()` takes one (waiting while none
# is free) and `sem.release()` gives it back. The everyday form is `async with sem:` around the
# call inside each coroutine you `gather`: the slot is taken on the way in and given back on the
# way out, even if the call fails. That caps the requests, but creates all the tasks up front,
# parked on the semaphore; with 100,000 jobs that matters.
#
# A **sliding window** takes a slot *before* creating each task and gives it back when the task
# finishes, so at most `limit` tasks exist at any moment:

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
      f"throughput {throughput:.1f} requests/s (limit {RATE:g}), "
      f"median latency {llm.usage.latency_median:.2f} s")
plot_concurrency(capped, limit=4, title="Semaphore(4): never more than 4 requests in flight")

# %% [markdown]
# No 429s, and the plot confirms the cap. But look at the throughput: about half of what the
# account allows. A semaphore limits **concurrency**, not **rate**. The two are linked by
# **Little's law**, *throughput = requests in flight / latency*: 4 requests of about 0.65 s each
# give about 6 requests per second, whatever the provider allows.

# %%
little = 4 / llm.usage.latency_median
print(f"Little's law predicts {little:.1f} requests/s; measured {throughput:.1f}")
assert llm.usage.errors["rate_limit"] == 0, "no request was refused"
assert 0.65 * little < throughput < 1.2 * little, "throughput = in flight / latency"
if simulated():  # a real client starts helper tasks of its own, which the plot would count
    assert capped.peak_concurrency == 4, "never more than 4 in flight"
    assert 0.5 < llm.usage.latency_median < 0.8, "about 0.65 s per answer"
    assert 0.4 * RATE < throughput < 0.75 * RATE, "about half the allowed rate"
else:
    print("(real endpoint: the simulator-only checks here are skipped)")

# %% [markdown]
# One habit to take from here: if a call in the window gets a 429 anyway, give the slot back
# *before* sleeping its `retry_after`, then queue for a slot again. A sleeping task sends nothing,
# so holding its slot would only keep other requests out.
#
# So could you pick `limit = RATE x latency`, about 6? Only while the latency holds: when answers
# get shorter or a cache makes them faster, the same concurrency sends requests faster and the
# 429s come back. Lesson 08 limits the rate itself.
#
# ## Fixed batches waste the window
#
# A common alternative is to cut the work into batches of 8 and `gather` each batch. It also
# never has more than 8 requests in flight, but each batch waits for its **slowest** request
# while the other slots sit idle.

# %%
async def in_batches(jobs, size):
    results = []
    for i in range(0, len(jobs), size):
        results += await asyncio.gather(*(job() for job in jobs[i:i + size]))
    return results


# %% [markdown]
# With a mixed workload (here one request in four goes to the large, slow model) the difference
# is large. This comparison has no rate limit, to isolate the effect.

# %%
def mixed_jobs(llm):
    return [partial(llm.complete, t, model=LARGE_MODEL if i % 4 == 0 else None)
            for i, t in enumerate(TICKETS[:24])]


batching = await compare_many({  # a fresh client each, so both runs get the same latencies
    "batches of 8": lambda: in_batches(mixed_jobs(connect()), 8),
    "sliding window 8": lambda: sliding_window(mixed_jobs(connect()), 8),
})
print(batching)
if simulated():  # (a real client's helper tasks would count as in flight)
    for label, timeline in batching.timelines.items():
        assert timeline.peak_concurrency <= 8, f"{label} never exceeds 8 in flight"
    assert 1.3 < batching.speedup("sliding window 8") < 2.8, "the window is almost twice as fast"
else:
    print("(real endpoint: the simulator-only checks here are skipped)")
batching.plot(title="Same cap, same jobs: batches wait for their slowest member")

# %% [markdown]
# The sliding window finishes the same jobs almost twice as fast with the same cap: as soon as
# one request finishes, the next starts. Prefer it to fixed batches unless the batch boundary
# means something (a transaction, a checkpoint).

# %% [markdown]
# ## Exercise
#
# [`exercises/ex07_rate_limit.py`](../exercises/ex07_rate_limit.py): write
# `fetch_all(llm, prompts, limit)`, never more than `limit` calls in flight and never fewer when
# work is waiting, retrying a 429 after its `retry_after` without holding a slot while it waits.
# Edit the file, then run the check; `hint("ex07_rate_limit")` helps if you are stuck.

# %%
from course_utils import check, hint  # noqa: E402

check("ex07_rate_limit")

# %% [markdown]
# ## Quiz

# %%
from course_utils import quiz  # noqa: E402

quiz("07")

# %% [markdown]
# ## Summary
#
# - An unbounded `gather` against a rate-limited API turns into a 429 storm: only the burst
#   allowance gets through.
# - `async with asyncio.Semaphore(n):` caps the requests **in flight**.
# - Little's law: throughput = in flight / latency. A semaphore sets the rate only indirectly, and
#   the rate rises when latency drops.
# - A sliding window keeps every slot busy; fixed batches wait for their slowest member.
#
# **Next:** lesson 08 limits the *rate* with token buckets, and adapts when you do not know it.
