# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # 11 · Queues, pools and pipelines
#
# Until now, every batch of work was a list you could `gather`. A real agent service never sees
# the whole list: requests arrive while others are in progress, and one agent's output is the
# next one's input. `asyncio.Queue` is the connector for all of that.
#
# ## Learning objectives
# - Build a worker pool (N tasks pulling jobs from a queue, a future per request) and a pool of
#   reusable agent *instances* borrowed with `async with`.
# - Use bounded queues for **backpressure**, and measure queue depth and producer waiting.
# - Chain stages into a pipeline whose stages overlap, and see why a pipeline hangs when a
#   stage dies, before fixing it with a `TaskGroup`.
# - Shut down cleanly, leaving no task behind.

# %%
import asyncio
from contextlib import asynccontextmanager

from course_utils import FaultPlan, Timeline, connect, simulated, tools
from course_utils.pipeline_plots import draw_pipeline, journeys, plot_journeys, plot_queue_depth
from course_utils.tracing import span

loop = asyncio.get_running_loop()
TOPICS = ["queues", "futures", "workers", "backpressure", "pipelines", "sentinels",
          "deadlines", "retries", "semaphores", "timeouts", "streaming", "caching"]
QUESTIONS = [f"Explain {topic} briefly." for topic in TOPICS]

# %% [markdown]
# ## A worker pool: a queue, N workers, a future per request
#
# A pool runs a **fixed number of worker tasks**. Each loops: take a job from the queue, do it,
# take the next. `submit(prompt)` puts the job on the queue together with a fresh **future**, an
# empty box the worker fills with the answer (or the exception); the caller awaits its future.
# Concurrency is exactly the number of workers, however many requests arrive.

# %%
class WorkerPool:
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

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        await self.queue.join()                       # every submitted job is finished...
        for worker in self.workers:                   # ...so the workers are idle in get():
            worker.cancel()                           # stop them, and wait until they stopped
        await asyncio.gather(*self.workers, return_exceptions=True)


llm = connect()
async with Timeline() as pool_tl:
    async with WorkerPool(llm, workers=4) as pool:
        answers = await asyncio.gather(*(pool.submit(q) for q in QUESTIONS))

print(f"{len(answers)} answers by {len(pool.workers)} workers in {pool_tl.elapsed:.2f} s")
pool_tl.plot(title="A pool of 4 workers takes 12 requests, one after another each")

# %% [markdown]
# Each worker row is a run of back-to-back requests: the 12 requests took about a quarter of
# their total latency (4 at a time), and each caller got *its own* answer through its future.

# %%
total_latency = sum(llm.usage.latencies)
assert all(w.done() for w in pool.workers), "the pool stopped its workers on exit"
if simulated():  # a real client runs tasks of its own, which the timeline counts too
    assert pool_tl.peak_concurrency == 4, "concurrency equals the number of workers"
    assert 0.85 * total_latency / 4 < pool_tl.elapsed < 1.5 * total_latency / 4, "about a quarter"
else:
    print("(real endpoint: the simulator-only checks here are skipped)")

# %% [markdown]
# ## A pool of agent instances
#
# Sometimes the expensive thing is not the task but the **agent**: an object with a loaded
# toolset, a warm connection, a scratchpad. Build a few, keep the idle ones in a queue, and
# lend them out. `@asynccontextmanager` turns a generator with one `yield` into an `async with`
# block (lesson 14 goes deeper): `get()` waits while every agent is busy, and `finally` puts the
# agent back, whether the borrower succeeded, failed or was cancelled.

# %%
class ChatAgent:
    def __init__(self, name, llm):
        self.name, self.llm = name, llm
        self.served = 0
        self.scratchpad = []                          # per-conversation state

    async def ask(self, question):
        self.scratchpad.append(question)
        reply = await self.llm.complete(question)
        self.served += 1
        return reply.text

    def reset(self):
        self.scratchpad.clear()                       # the next user must not see this one's notes


class AgentPool:
    def __init__(self, agents):
        self.idle = asyncio.Queue()
        for agent in agents:
            self.idle.put_nowait(agent)

    @asynccontextmanager
    async def agent(self):
        agent = await self.idle.get()                 # waits while every agent is busy
        try:
            yield agent
        finally:
            agent.reset()
            self.idle.put_nowait(agent)               # always returned


agents = AgentPool([ChatAgent(f"agent {i}", connect()) for i in range(3)])
busy = peak = 0


async def serve_user(user):
    global busy, peak
    async with agents.agent() as agent:
        busy += 1
        peak = max(peak, busy)
        try:
            answer = await agent.ask(f"User {user}: what is backpressure?")
            if user == 5:
                raise ValueError("user 5 sent a malformed follow-up")
            return agent.name
        finally:
            busy -= 1


served_by = await asyncio.gather(*(serve_user(u) for u in range(8)), return_exceptions=True)
print(served_by)
assert peak == 3, "never more users in flight than agents"
assert agents.idle.qsize() == 3, "every agent came back, including the one whose user failed"
instances = [agents.idle.get_nowait() for _ in range(3)]
assert sum(a.served for a in instances) == 8 and all(a.served >= 2 for a in instances), "agents were reused"
assert all(a.scratchpad == [] for a in instances), "each agent was reset before the next user"

# %% [markdown]
# ## Backpressure: bounded queues
#
# With an unbounded queue nothing stops a fast producer. Below, a crawler reads documents much
# faster than two summarizer agents can process them. Compare the queue depth with
# an unbounded queue and with `asyncio.Queue(maxsize=3)`, where `await queue.put()` **waits**
# while the queue is full. Shutdown uses **sentinels**: when the crawler is done it puts one
# `None` per summarizer, and each summarizer stops when it takes one. A sampler task records the
# depth; it is cancelled *and awaited* in a `finally`, so it never outlives the run.

# %%
DOCS = [tools.list_documents()[i % len(tools.list_documents())] for i in range(20)]
SUMMARIZERS = 2


async def crawl_and_summarize(maxsize):
    llm = connect()
    queue = asyncio.Queue(maxsize=maxsize)
    depth, producer, t0 = [], {"waiting": 0.0}, loop.time()

    async def crawler():
        for name in DOCS:
            text = await tools.read_document(name)
            started = loop.time()
            await queue.put((name, text))             # waits while the queue is full
            producer["waiting"] += loop.time() - started
        producer["done_at"] = loop.time() - t0
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
            depth.append((loop.time() - t0, queue.qsize()))
            await asyncio.sleep(0.05)

    sampling = asyncio.create_task(sampler(), name="sampler")
    try:
        async with asyncio.TaskGroup() as tg:
            tg.create_task(crawler())
            counts = [tg.create_task(summarizer()) for _ in range(SUMMARIZERS)]
    finally:
        sampling.cancel()
        await asyncio.gather(sampling, return_exceptions=True)  # wait until it really stopped
    return {"depth": depth, "summaries": sum(c.result() for c in counts),
            "elapsed": loop.time() - t0, **producer}


unbounded = await crawl_and_summarize(maxsize=0)   # 0 means unbounded
bounded = await crawl_and_summarize(maxsize=3)
for label, run in (("unbounded", unbounded), ("maxsize=3", bounded)):
    print(f"{label:10} peak depth {max(d for _, d in run['depth']):2}, crawler done at "
          f"{run['done_at']:.1f} s (waited {run['waiting']:.1f} s), all done at {run['elapsed']:.1f} s")
plot_queue_depth({"unbounded queue": unbounded, "maxsize=3": bounded},
                 title="A fast crawler, two slow summarizers (dotted: crawler finished)")

# %% [markdown]
# Unbounded, the crawler finished early and the queue piled up most of the documents: in a real
# crawler that pile is memory, and stale work. Bounded, the depth never exceeded 3: the crawler
# spent much of its life waiting in `put()`. And the whole job finished no later: the slow stage
# sets the pace either way, so backpressure costs no throughput.

# %%
assert unbounded["summaries"] == bounded["summaries"] == len(DOCS), "every document summarized"
assert 1.5 < unbounded["elapsed"] / unbounded["done_at"], "the crawler is much faster than the summarizers"
assert max(d for _, d in unbounded["depth"]) > len(DOCS) / 2, "unbounded: most documents piled up"
assert max(d for _, d in bounded["depth"]) <= 3, "bounded: never more than maxsize"
assert bounded["waiting"] > 0.3 * bounded["done_at"], "bounded: the crawler waited a lot in put()"
assert 0.85 < bounded["elapsed"] / unbounded["elapsed"] < 1.2, "no cost in throughput"

# %% [markdown]
# ## A multi-stage pipeline
#
# Support tickets go through three stages: **validate** (drop empty or oversized tickets, no
# model needed), **summarize** and **analyze** (an LLM call each). Each stage has its own workers
# and passes items to the next through a bounded queue, so all stages work **at the same time**
# on different tickets:

# %%
draw_pipeline([("validate", 1), ("summarize", 2), ("analyze", 2)], queue_size=4)

# %% [markdown]
# `run_stage` is the reusable piece: `workers` tasks move items from `inbox` to `outbox`, and
# when the inbox is exhausted the stage puts one sentinel per worker of the next stage. Each item
# carries its index; `span` names each piece of work on the timeline. A first version starts
# every stage with a plain `create_task`, and the caller collects results until the last
# sentinel arrives.

# %%
DONE = object()  # the sentinel: a unique object no real item can be equal to


async def run_stage(name, work, inbox, outbox, workers, next_workers):
    async def worker():
        while (item := await inbox.get()) is not DONE:
            index, payload = item
            with span(f"{name} #{index}"):
                result = await work(payload)
            if result is not None:                    # None means "drop this item"
                await outbox.put((index, result))

    async with asyncio.TaskGroup() as tg:
        for i in range(workers):
            tg.create_task(worker(), name=f"{name} worker {i}")
    for _ in range(next_workers):                     # this stage is done: tell the next one
        await outbox.put(DONE)


async def feed_and_collect(items, queues, first_workers):
    for item in enumerate(items):
        await queues[0].put(item)                     # the feeder, with backpressure too
    for _ in range(first_workers):
        await queues[0].put(DONE)
    results = {}
    while (item := await queues[-1].get()) is not DONE:
        results[item[0]] = item[1]
    return results


def start_stages(stages, queues, spawn):
    return [spawn(run_stage(name, work, queues[i], queues[i + 1], workers,
                            stages[i + 1][2] if i + 1 < len(stages) else 1), name=f"{name} stage")
            for i, (name, work, workers) in enumerate(stages)]


loose_stages = []


async def run_pipeline_loose(items, stages, queue_size=4):
    queues = [asyncio.Queue(maxsize=queue_size) for _ in range(len(stages) + 1)]
    loose_stages.extend(start_stages(stages, queues, asyncio.create_task))  # BUG: kept, never watched
    return await feed_and_collect(items, queues, stages[0][2])


TICKETS = ["The payment page times out when customers pay by card.", "",
           "Our invoices show the wrong currency since Monday.", "Password reset emails arrive after an hour.",
           "The mobile app crashes when uploading a photo.", "x" * 5000,
           "Search results ignore the language filter.", "Export to CSV drops the last row.",
           "Two-factor codes are rejected for some users.", "The dashboard loads slowly every morning."]


def ticket_stages(llm):
    async def validate(ticket):
        return ticket if 0 < len(ticket) <= 1000 else None

    async def summarize(ticket):
        return (await llm.complete(f"Summarize: {ticket}", max_tokens=40)).text

    async def analyze(summary):
        return (await llm.complete(f"Analyze sentiment and urgency: {summary}", max_tokens=40)).text

    return [("validate", validate, 1), ("summarize", summarize, 2), ("analyze", analyze, 2)]

# %% [markdown]
# ### The pitfall: a stage dies, its sentinels never arrive
#
# Now the model fails on the third call. The worker that got the error dies, its stage's
# `TaskGroup` stops the stage, and the stage never puts its sentinels. Nobody awaits the stage
# task, so nobody sees the error either: the caller waits for a sentinel that will never come.
# A 3-second timeout is the only reason this cell ends.

# %% tags=["raises-exception"]
# This cell fails on purpose: TimeoutError, because the pipeline hangs after a stage died.
failing = connect(faults=FaultPlan(script=["ok", "ok", "error"]))
async with asyncio.timeout(3):
    await run_pipeline_loose(TICKETS, ticket_stages(failing))

# %% [markdown]
# The error happened within a second; the pipeline would have waited forever. One stage task
# holds the error nobody saw, the others are stuck on their queues. Clean them up by hand:

# %%
died = [t for t in loose_stages if t.done() and t.exception() is not None]
stuck = [t for t in loose_stages if not t.done()]
for task in died:
    print(f"{task.get_name()} died with {task.exception()!r}")
print("still waiting:", sorted(t.get_name() for t in stuck))
for task in stuck:
    task.cancel()
await asyncio.gather(*stuck, return_exceptions=True)
if simulated():
    assert len(died) == 1 and stuck, "one stage died; the others hang on their queues"
else:
    print("(real endpoint: the simulator-only checks here are skipped)")

# %% [markdown]
# **The fix: one `TaskGroup` for the whole pipeline.** When any stage fails, the group cancels
# every other stage *and* the caller's collecting loop, and raises the error at once. Same
# stages, same faulty model:

# %%
async def run_pipeline(items, stages, queue_size=4):
    """stages: [(name, work, workers)]. Returns {index: result} for the items that got through."""
    queues = [asyncio.Queue(maxsize=queue_size) for _ in range(len(stages) + 1)]
    async with asyncio.TaskGroup() as tg:
        start_stages(stages, queues, tg.create_task)    # a failing stage cancels everything
        return await feed_and_collect(items, queues, stages[0][2])


failing = connect(faults=FaultPlan(script=["ok", "ok", "error"]))
start = loop.time()
try:
    async with asyncio.timeout(3):
        await run_pipeline(TICKETS, ticket_stages(failing))
except* TimeoutError:
    print("hung again?!")
except* Exception as group:
    print(f"failed fast after {loop.time() - start:.2f} s: {group.exceptions!r}")
if simulated():
    assert loop.time() - start < 2, "the error surfaced at once instead of a hang"
else:
    print("(real endpoint: the simulator-only checks here are skipped)")

# %% [markdown]
# Now the pipeline with a healthy model, drawn as each ticket's journey through the two model
# stages, one row per ticket:

# %%
llm = connect()
async with Timeline() as pipe_tl:
    analyses = await run_pipeline(TICKETS, ticket_stages(llm))
print(f"{len(analyses)} of {len(TICKETS)} tickets analysed in {pipe_tl.elapsed:.2f} s; "
      f"dropped: {sorted(set(range(len(TICKETS))) - set(analyses))}")
plot_journeys(pipe_tl, ["summarize", "analyze"], title="Each ticket's journey: stages overlap")

# %% [markdown]
# Ticket 0 is being analyzed while later tickets are still being summarized. With the stages
# overlapping, the pipeline takes well under the sum of both stages. The two invalid tickets (1
# and 5) were dropped in the first stage, before they cost a model call. (Chaining *agents*
# this way, `summarizer >> analyst`, comes back in the multi-agent lessons.)

# %%
rows = journeys(pipe_tl, ["summarize", "analyze"])
stage_span = {s: max(e for _, _, e in r) - min(b for _, b, _ in r) for s, r in rows.items()}
assert sorted(analyses) == [0, 2, 3, 4, 6, 7, 8, 9], "the invalid tickets were dropped"
assert min(b for _, b, _ in rows["analyze"]) < 0.5 * max(e for _, _, e in rows["summarize"]), \
    "analysis started long before summarizing ended"
assert pipe_tl.elapsed < 0.8 * (stage_span["summarize"] + stage_span["analyze"]), "stages overlap"
assert llm.usage.calls == 2 * len(analyses), "nothing wasted on invalid tickets"

# %% [markdown]
# ## Clean shutdown
#
# Workers loop forever by design, so *someone* must stop them. Forget, and they stay parked in
# `queue.get()` after the work is done: leaked tasks that keep references alive.

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
assert len(leaked) == 3, "three workers leaked"
for task in leaked:
    task.cancel()
await asyncio.gather(*leaked, return_exceptions=True)

# %% [markdown]
# Three workers, waiting for a job that will never come. `WorkerPool` above closes with
# `queue.join()`, then cancels *and awaits* its workers; sentinels, as in the pipeline, let
# workers finish on their own. Python 3.13 adds `Queue.shutdown()`, which makes `get()` raise
# `QueueShutDown` once the queue is empty.
#
# ## Exercises
#
# 1. [`exercises/ex11_worker_pool.py`](../exercises/ex11_worker_pool.py): `run_pool(jobs,
#    handler, workers)` with exactly `workers` tasks, results in order, failures recorded, and no
#    worker left running, even when the pool itself is cancelled.
# 2. [`exercises/ex11_pipeline.py`](../exercises/ex11_pipeline.py): a read → summarize
#    pipeline with a bounded queue and sentinels that stops everything cleanly when a stage fails.

# %%
from course_utils import check, hint  # noqa: E402

check("ex11_worker_pool")

# %%
check("ex11_pipeline")

# %% [markdown]
# ## Quiz

# %%
from course_utils import quiz  # noqa: E402

quiz("11")

# %% [markdown]
# ## Summary
#
# - A **worker pool** is a queue plus a fixed number of worker tasks; a future per request hands
#   each caller its own answer. A pool of **agent instances** lends agents from a queue with
#   `async with`, returning them in `finally`.
# - A **bounded** queue gives backpressure: `put()` waits while it is full, at no cost in
#   throughput.
# - A **pipeline** connects stages with queues; stages overlap. Run every stage in one
#   `TaskGroup`, or a dead stage leaves the others waiting for sentinels forever.
# - **Shut down** explicitly: sentinels, or `queue.join()` then cancel *and await* the workers.
#
# **Going further:** lesson 12 streams tokens, so the user sees the first words while the work
# is still going on.
