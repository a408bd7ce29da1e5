# %% [markdown]
# # 08 · Queues, pools and pipelines
#
# Until now, every batch of work was a list you could `gather`. A real agent service never sees
# the whole list: requests arrive while others are in progress, and one agent's output is the
# next one's input.
#
# `asyncio.Queue` is the connector for all of that. With it you will build a pool of agent
# workers, a pipeline whose stages run at the same time, and a way to shut both down cleanly.
#
# ## Learning objectives
# - Build an agent pool: N worker tasks pulling from an `asyncio.Queue`, with a future per request
#   so each caller awaits its own answer.
# - Use bounded queues for **backpressure**, and measure queue depth and producer waiting.
# - Chain stages into a pipeline whose stages overlap, and connect agents with `a >> b`.
# - Shut down cleanly with sentinels or `queue.join()` plus cancellation, leaving no task behind.

# %%
import asyncio

from matplotlib.figure import Figure

from course_utils import SimulatedLLM, Timeline, clock, tools
from course_utils.config import LARGE_MODEL

TOPICS = ["queues", "futures", "workers", "backpressure", "pipelines", "sentinels",
          "deadlines", "retries", "semaphores", "timeouts", "streaming", "caching"]
QUESTIONS = [f"Explain {topic} briefly." for topic in TOPICS]

# %% [markdown]
# ## An agent pool: workers, a queue, and futures
#
# A pool runs a **fixed number of worker tasks**. Each worker loops: take a job from the queue,
# do it, take the next. Callers never see the workers: `submit(prompt)` puts the job on the queue
# together with a fresh **future**, an empty box the worker will fill with the answer (or the
# exception), and returns it. The caller just awaits its future.
#
# Concurrency is exactly the number of workers, whatever the number of requests; and requests can
# keep arriving while the pool works.

# %%
class AgentPool:
    def __init__(self, llm, workers):
        self.llm = llm
        self.queue = asyncio.Queue()
        self.workers = [asyncio.create_task(self._work(), name=f"worker {i}") for i in range(workers)]

    def submit(self, prompt):
        """Queue a request; returns a future that will hold the answer."""
        future = asyncio.get_running_loop().create_future()
        self.queue.put_nowait((prompt, future))
        return future

    async def _work(self):
        while True:
            prompt, future = await self.queue.get()
            try:
                if not future.done():                 # the caller may have given up already
                    answer = await self.llm.complete(prompt)
                    if not future.done():
                        future.set_result(answer)
            except Exception as error:                # a failed job must not kill the worker
                if not future.done():
                    future.set_exception(error)
            finally:
                self.queue.task_done()                # always, or join() would wait forever

    async def close(self):
        await self.queue.join()                       # every submitted job is finished...
        for worker in self.workers:                   # ...so the workers are idle in get():
            worker.cancel()                           # stop them
        await asyncio.gather(*self.workers, return_exceptions=True)

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        await self.close()


llm = SimulatedLLM()
async with Timeline() as pool_tl:
    async with AgentPool(llm, workers=4) as pool:
        futures = [pool.submit(q) for q in QUESTIONS]
        answers = await asyncio.gather(*futures)

for topic, answer in list(zip(TOPICS, answers))[:3]:
    print(f"{topic:12} -> {answer.text[:60]}")
print(f"{len(answers)} answers by {len(pool.workers)} workers in {pool_tl.elapsed:.2f} s")
pool_tl.plot(title="A pool of 4 workers takes 12 requests, one after another each")

# %% [markdown]
# Each worker row is a run of back-to-back requests. The 12 requests took about a quarter of
# their total latency (4 at a time), the peak concurrency was the 4 workers, and each caller got
# *its own* answer back through its future.

# %%
assert pool_tl.peak_concurrency == 4
assert all(topic in answer.text.lower() for topic, answer in zip(TOPICS, answers))
total_latency = sum(llm.usage.latencies)
assert 0.85 * total_latency / 4 < pool_tl.elapsed < 1.5 * total_latency / 4
assert all(w.done() for w in pool.workers)

# %% [markdown]
# ## Backpressure: bounded queues
#
# Queues decouple a producer from its consumers, but with an unbounded queue nothing stops a fast
# producer. Below, a crawler reads documents about three times faster than two summarizer agents
# can process them. Watch the queue depth over time, with an unbounded queue and with
# `asyncio.Queue(maxsize=3)`, where `await queue.put()` **waits** while the queue is full: the
# slow stage holds the fast one back.
#
# Shutdown uses **sentinels**: when the crawler is done it puts one `None` per summarizer, and
# each summarizer stops when it takes one.

# %%
DOCS = [tools.list_documents()[i % len(tools.list_documents())] for i in range(20)]
SUMMARIZERS = 2


async def crawl_and_summarize(maxsize):
    llm = SimulatedLLM()
    queue = asyncio.Queue(maxsize=maxsize)
    depth, producer = [], {"waiting": 0.0}
    t0 = clock.now()

    async def crawler():
        for name in DOCS:
            text = await tools.read_document(name)
            started = clock.now()
            await queue.put((name, text))             # waits while the queue is full
            producer["waiting"] += clock.now() - started
        producer["done_at"] = clock.now() - t0
        for _ in range(SUMMARIZERS):
            await queue.put(None)                     # one sentinel per consumer

    async def summarizer():
        done = 0
        while (item := await queue.get()) is not None:
            await llm.complete(f"Summarize: {item[1]}")
            done += 1
        return done

    async def sampler():
        while True:
            depth.append((clock.now() - t0, queue.qsize()))
            await clock.sleep(0.05)

    sampling = asyncio.create_task(sampler())
    async with asyncio.TaskGroup() as tg:
        tg.create_task(crawler())
        counts = [tg.create_task(summarizer()) for _ in range(SUMMARIZERS)]
    sampling.cancel()
    return {"depth": depth, "summaries": sum(c.result() for c in counts),
            "elapsed": clock.now() - t0, **producer}


unbounded = await crawl_and_summarize(maxsize=0)   # 0 means unbounded
bounded = await crawl_and_summarize(maxsize=3)

fig = Figure(figsize=(8, 3), layout="constrained")
ax = fig.add_subplot()
for run, label, colour in ((unbounded, "unbounded queue", "#D55E00"), (bounded, "maxsize=3", "#0072B2")):
    ax.step(*zip(*run["depth"]), where="post", label=label, color=colour)
    ax.axvline(run["done_at"], color=colour, linestyle=":", linewidth=1)
ax.set(xlabel="time (course seconds)", ylabel="items waiting in the queue",
       title="Queue depth: a fast crawler, two slow summarizers (dotted: crawler finished)")
ax.legend(fontsize=8)
for label, run in (("unbounded", unbounded), ("maxsize=3", bounded)):
    print(f"{label:10} peak depth {max(d for _, d in run['depth']):2}, crawler done at "
          f"{run['done_at']:.1f} s (waited {run['waiting']:.1f} s), all done at {run['elapsed']:.1f} s")
fig

# %% [markdown]
# Unbounded, the crawler finished early and the queue piled up most of the documents; in a real
# crawler that pile is memory, and stale work. Bounded, the depth never exceeded 3: the crawler
# spent most of its life waiting in `put()`, reading only as fast as the summarizers consume.
# And the whole job finished no later: backpressure costs no throughput, because the slow stage
# sets the pace either way.

# %%
assert unbounded["summaries"] == bounded["summaries"] == len(DOCS)
assert 2.2 < unbounded["elapsed"] / unbounded["done_at"] < 4   # crawler ~3x faster than the summarizers
assert max(d for _, d in unbounded["depth"]) > len(DOCS) / 2
assert max(d for _, d in bounded["depth"]) <= 3
assert unbounded["waiting"] < 0.05 and bounded["waiting"] > 0.5 * bounded["done_at"]
assert 0.85 < bounded["elapsed"] / unbounded["elapsed"] < 1.2

# %% [markdown]
# ## A multi-stage pipeline
#
# Support tickets go through three stages: **validate** (drop empty or oversized tickets, no
# model needed), **summarize** (an LLM call) and **analyze** sentiment and urgency (another LLM
# call). Each stage has its own workers and passes items to the next through a bounded queue, so
# all three stages work **at the same time** on different tickets.
#
# `run_stage` is the reusable piece: `workers` tasks move items from `inbox` to `outbox` through
# `work`, and when the inbox is exhausted they pass one sentinel per worker of the next stage.
# Every item carries its index, so the results can be put back in order at the end.

# %%
DONE = object()  # the sentinel: a unique object no real item can be equal to


async def run_stage(name, work, inbox, outbox, workers, next_workers):
    async def worker():
        while (item := await inbox.get()) is not DONE:
            index, payload = item
            result = await asyncio.create_task(work(payload), name=f"{name} #{index}")
            if result is not None:                    # None means "drop this item"
                await outbox.put((index, result))

    async with asyncio.TaskGroup() as tg:
        for i in range(workers):
            tg.create_task(worker(), name=f"{name} worker {i}")
    for _ in range(next_workers):                     # this stage is done: tell the next one
        await outbox.put(DONE)


async def run_pipeline(items, stages, queue_size=4):
    """stages: [(name, work, workers)]. Returns {index: result} for the items that got through."""
    queues = [asyncio.Queue(maxsize=queue_size) for _ in range(len(stages) + 1)]
    async with asyncio.TaskGroup() as tg:
        for i, (name, work, workers) in enumerate(stages):
            next_workers = stages[i + 1][2] if i + 1 < len(stages) else 1
            tg.create_task(run_stage(name, work, queues[i], queues[i + 1], workers, next_workers),
                           name=f"{name} stage")
        for item in enumerate(items):
            await queues[0].put(item)                 # the feeder, with backpressure too
        for _ in range(stages[0][2]):
            await queues[0].put(DONE)
        results = {}
        while (item := await queues[-1].get()) is not DONE:
            results[item[0]] = item[1]
    return results

# %% [markdown]
# The stage functions are ordinary coroutines; the pipeline does not care what they do.

# %%
TICKETS = [
    "The payment page times out when customers pay by card.",
    "",
    "Our invoices show the wrong currency since Monday.",
    "Password reset emails arrive after an hour.",
    "The mobile app crashes when uploading a photo.",
    "x" * 5000,
    "Search results ignore the language filter.",
    "Export to CSV drops the last row.",
    "Two-factor codes are rejected for some users.",
    "The dashboard loads slowly every morning.",
]
llm = SimulatedLLM()


async def validate(ticket):
    return ticket if 0 < len(ticket) <= 1000 else None


async def summarize(ticket):
    return (await llm.complete(f"Summarize: {ticket}", max_tokens=40)).text


async def analyze(summary):
    return (await llm.complete(f"Analyze the sentiment and urgency of: {summary}", max_tokens=40)).text


STAGES = [("validate", validate, 1), ("summarize", summarize, 2), ("analyze", analyze, 2)]
async with Timeline() as pipe_tl:
    analyses = await run_pipeline(TICKETS, STAGES)

print(f"{len(analyses)} of {len(TICKETS)} tickets analysed in {pipe_tl.elapsed:.2f} s; "
      f"dropped: {sorted(set(range(len(TICKETS))) - set(analyses))}")
print("ticket 0:", analyses[0][:70])

# %% [markdown]
# The timeline has a row for every stage, worker and item, which is a lot to read. Here is the
# part that matters: each ticket's journey through the two model stages, one row per ticket.

# %%
STAGE_COLOURS = {"summarize": "#0072B2", "analyze": "#E69F00"}
spans = {}  # stage -> [(ticket, start, end)]
for row in pipe_tl.tasks:
    stage, _, ticket = row.label.partition(" #")
    if stage in STAGE_COLOURS:
        spans.setdefault(stage, []).append((int(ticket), row.start, row.end))

fig = Figure(figsize=(8, 3.2), layout="constrained")
ax = fig.add_subplot()
for stage, items in spans.items():
    ax.barh([i for i, _, _ in items], [e - s for _, s, e in items], left=[s for _, s, _ in items],
            color=STAGE_COLOURS[stage], label=stage, height=0.7)
ax.set(xlabel="time (course seconds)", ylabel="ticket", yticks=range(len(TICKETS)),
       title="Each ticket's journey: summaries and analyses overlap")
ax.set_xlim(0, pipe_tl.elapsed * 1.02)
ax.invert_yaxis()
ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
ax.grid(axis="x", alpha=0.3)
fig

# %% [markdown]
# Ticket 0 is being analyzed while tickets 3 and 4 are being summarized. With the stages
# overlapping, the pipeline takes about as long as one stage, not the sum of both. The two
# invalid tickets (1 and 5) were dropped in the first stage, before they cost a model call.

# %%
def stage_span(stage):
    return max(e for _, _, e in spans[stage]) - min(s for _, s, _ in spans[stage])


print({stage: round(stage_span(stage), 2) for stage in spans}, f"pipeline {pipe_tl.elapsed:.2f} s")
def overlap(a, b):
    (_, s1, e1), (_, s2, e2) = a, b
    return min(e1, e2) - max(s1, s2) > 0


journey = {(stage, i): (i, s, e) for stage, items in spans.items() for i, s, e in items}
assert sorted(analyses) == [0, 2, 3, 4, 6, 7, 8, 9]
assert overlap(journey["analyze", 0], journey["summarize", 3])
assert overlap(journey["analyze", 0], journey["summarize", 4])
assert min(s for _, s, _ in spans["analyze"]) < 0.5 * max(e for _, _, e in spans["summarize"])
assert pipe_tl.elapsed < 0.8 * (stage_span("summarize") + stage_span("analyze"))
assert pipe_tl.elapsed < 1.5 * max(stage_span("summarize"), stage_span("analyze"))
assert llm.usage.calls == 2 * len(analyses)                    # nothing wasted on invalid tickets

# %% [markdown]
# ## Connecting agents: `summarizer >> analyst`
#
# Pipelines of agents are common enough to deserve notation. A small `Agent` class with an
# `__rshift__` method lets you write `summarizer >> analyst >> translator`, building a `Chain`.
# A chain can answer **one** input (each agent in turn) or **stream many** through the queue
# pipeline above, one stage per agent, each with as many workers as its agent asks for.

# %%
class Agent:
    def __init__(self, name, instruction, llm, model=None, workers=1):
        self.name, self.instruction, self.llm = name, instruction, llm
        self.model, self.workers = model, workers

    async def __call__(self, text):
        reply = await self.llm.complete(text, system=self.instruction, model=self.model, max_tokens=40)
        return reply.text

    def __rshift__(self, other):
        return Chain([self]) >> other

    def __repr__(self):
        return self.name


class Chain:
    def __init__(self, agents):
        self.agents = agents

    def __rshift__(self, other):
        return Chain(self.agents + (other.agents if isinstance(other, Chain) else [other]))

    async def __call__(self, text):                   # one input: agent after agent
        for agent in self.agents:
            text = await agent(text)
        return text

    async def map(self, items):                       # many inputs: a pipeline, results in order
        stages = [(agent.name, agent, agent.workers) for agent in self.agents]
        results = await run_pipeline(items, stages)
        return [results[i] for i in range(len(items))]

    def __repr__(self):
        return " >> ".join(map(repr, self.agents))


llm = SimulatedLLM()
summarizer = Agent("summarizer", "Summarize the ticket in one sentence.", llm, workers=2)
analyst = Agent("analyst", "Rate sentiment and urgency.", llm, model=LARGE_MODEL, workers=4)
triage = summarizer >> analyst
print(triage)
print("one ticket:", (await triage(TICKETS[0]))[:70])

VALID = [t for t in TICKETS if 0 < len(t) <= 1000]
async with Timeline() as chain_tl:
    triaged = await triage.map(VALID)
calls_per_item = 2
print(f"{len(triaged)} tickets through '{triage}' in {chain_tl.elapsed:.2f} s")

# %% [markdown]
# `Chain.map` reuses `run_pipeline`, so the agents work concurrently on different tickets: it
# took well under half of what the same calls cost end to end, one ticket at a time.

# %%
one_at_a_time = sum(llm.usage.latencies[calls_per_item:])  # the map's calls, back to back
print(f"one at a time would take about {one_at_a_time:.1f} s")
assert isinstance(triage, Chain) and [a.name for a in triage.agents] == ["summarizer", "analyst"]
assert len(triaged) == len(VALID) and all(triaged)
assert chain_tl.elapsed < 0.45 * one_at_a_time

# %% [markdown]
# ## Clean shutdown
#
# Workers loop forever by design, so *someone* must stop them. Forget, and they stay parked in
# `queue.get()` after the work is done: leaked tasks that keep references (and, in a server,
# connections) alive. Here is a pool that only waits for its queue to drain:

# %%
before = asyncio.all_tasks()


async def sloppy_pool(prompts, workers=3):
    queue, results = asyncio.Queue(), []

    async def work():
        while True:
            prompt = await queue.get()
            results.append(await llm.complete(prompt))
            queue.task_done()

    for p in prompts:
        queue.put_nowait(p)
    for i in range(workers):
        asyncio.create_task(work(), name=f"sloppy worker {i}")
    await queue.join()          # the work is done...
    return results              # ...but nobody stopped the workers


results = await sloppy_pool(QUESTIONS[:6])
leaked = [t for t in asyncio.all_tasks() - before if not t.done()]
print(f"{len(results)} results; tasks still alive:", sorted(t.get_name() for t in leaked))
assert len(leaked) == 3

# %% [markdown]
# Three workers, still waiting for a job that will never come. (Not keeping a reference to them
# makes it worse: only `asyncio.all_tasks()` can still find them, and the loop holds tasks only
# weakly, so an unreferenced task can even vanish mid-job.) Clean them up, then compare with the
# pool from the start of the lesson, which closes with `queue.join()` and then cancels *and
# awaits* its workers. Sentinels, as in the pipeline, are the other clean option: they let
# workers finish their loop on their own. (Python 3.13 adds `Queue.shutdown()` for this.)

# %%
for task in leaked:
    task.cancel()
await asyncio.gather(*leaked, return_exceptions=True)

before = asyncio.all_tasks()
async with AgentPool(SimulatedLLM(), workers=3) as pool:
    answers = await asyncio.gather(*(pool.submit(q) for q in QUESTIONS[:6]))
await triage.map(VALID[:3])                  # the sentinel-based pipeline, for good measure
left_over = [t for t in asyncio.all_tasks() - before if not t.done()]
print(f"{len(answers)} answers; tasks left over: {left_over}")
assert left_over == []

# %% [markdown]
# ## Exercises
#
# 1. `ex08_worker_pool`: write `run_pool(jobs, handler, workers)`: exactly `workers` tasks, results
#    in order, a failing job recorded as its exception, and no worker left running, even when
#    the pool itself is cancelled.
# 2. `ex08_pipeline`: write a two-stage read -> summarize pipeline with a bounded queue and
#    sentinels, that stops everything cleanly when a stage fails.

# %%
from course_utils.checker import check, hint  # noqa: E402

check("ex08_worker_pool")

# %%
check("ex08_pipeline")

# %% [markdown]
# ## Quiz

# %%
from course_utils import quiz  # noqa: E402

quiz("08")

# %% [markdown]
# ## Summary
#
# - A **pool** is a queue plus a fixed number of worker tasks; a future per request hands each
#   caller its own answer, and concurrency equals the number of workers.
# - A **bounded** queue (`maxsize`) gives backpressure: `put()` waits while it is full, so a fast
#   producer runs at the pace of the slow consumer without piling up memory, at no cost in
#   throughput.
# - A **pipeline** connects stages with queues; the stages overlap, so it takes about as long as
#   its slowest stage. `__rshift__` turns that into `summarizer >> analyst`.
# - **Shut down** explicitly: sentinels (one per worker), or `queue.join()` then cancel and await
#   the workers; call `task_done()` in a `finally`; check `asyncio.all_tasks()` for leftovers.
#
# **Going further:** lesson 09 streams tokens through these same structures, so the user sees the
# first words while the pipeline is still working.
