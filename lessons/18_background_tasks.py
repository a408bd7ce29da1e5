# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # 18 · Background tasks and webhooks
#
# So far every agent in this course ran because you called it. A deployed agent also works on
# its own: it refreshes its credentials on a timer and answers webhooks that other services
# send it, without one bad event taking the whole service down.
#
# ## Learning objectives
# - Run a periodic background task and stop it cleanly: `cancel()`, then `await`.
# - Find a task that outlived its agent with `asyncio.all_tasks()`.
# - Serve a webhook on the notebook's loop that acknowledges at once (`202`) and works from a queue.
# - Keep a worker alive when one event fails, instead of letting it cancel the whole service.
# - Make a webhook idempotent: senders deliver at least once, so dedupe by event id.

# %%
import asyncio

import httpx
import uvicorn
from fastapi import FastAPI

from course_utils import LLMError, Timeline, config, connect

QUESTIONS = ["Plan the report", "Search for sources", "Draft the summary", "Check the draft"]
loop = asyncio.get_running_loop()

# %% [markdown]
# ## A heartbeat that refreshes a token
#
# Many APIs hand out tokens that expire. The agent should not notice: a background task
# refreshes the token on a timer while the agent works. When the task is stopped, its `finally`
# block revokes the token, the kind of cleanup every real background task has.

# %%
REFRESH_EVERY = 1.0  # seconds (a real token lives for minutes; the idea is the same)


class Credentials:
    def __init__(self) -> None:
        self.token, self.refreshes, self.revoked = "tok-0", 0, False


async def keep_fresh(creds: Credentials, every: float = REFRESH_EVERY) -> None:
    """Refresh the token every `every` seconds, until cancelled."""
    try:
        while True:
            await asyncio.sleep(every)  # sleep, then work: drifts a little (the exercise fixes it)
            creds.refreshes += 1
            creds.token = f"tok-{creds.refreshes}"
    finally:
        creds.revoked = True  # cleanup: revoke the token, close the session...

# %% [markdown]
# ## Pitfall: the task that outlives its agent
#
# Start the refresher with `create_task`, let the agent work, and forget about it. In a script,
# `asyncio.run` would cancel it on the way out. In a notebook the loop lives as long as the
# kernel, so the task keeps running (and, in real life, keeps calling an API).

# %%
creds = Credentials()
asyncio.create_task(keep_fresh(creds))  # fire and forget: no reference, no stop

llm = connect()
for question in QUESTIONS:
    await llm.complete(question)
at_finish = creds.refreshes
print(f"the agent is done; the token was refreshed {at_finish} times")

await asyncio.sleep(3 * REFRESH_EVERY)  # ...the next cell, a few seconds later
print(f"3 seconds later: {creds.refreshes} refreshes, revoked={creds.revoked}")
assert creds.refreshes >= at_finish + 2 and not creds.revoked, "still running, unasked"

# %% [markdown]
# We kept no reference, so how do we stop it? `asyncio.all_tasks()` lists every unfinished task
# on the loop: the first thing to check when a notebook or a service "leaks". (And, as in
# lesson 04: keep a reference to every task you create; the loop holds tasks only weakly.)
#
# ## Stop = cancel, then await
#
# `task.cancel()` only *asks*: it schedules a `CancelledError` to be thrown into the task at its
# next step. Right after the call the task is still pending and its cleanup has not run. Await
# it, and absorb the `CancelledError` it ends with, but only *its* cancellation: if your own
# code is being cancelled while it waits (lesson 09), `current_task().cancelling()` is non-zero
# (Python 3.11+) and the error must go on.

# %%
async def stop_task(task: asyncio.Task) -> None:
    """Cancel `task` and wait until its cleanup has run."""
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        if asyncio.current_task().cancelling():
            raise          # we are being cancelled too: never swallow that


leaked = [t for t in asyncio.all_tasks() if t.get_coro().__name__ == "keep_fresh"]
print("found:", leaked)
leaked[0].cancel()
print(f"right after cancel(): done={leaked[0].done()}, revoked={creds.revoked}")
assert not leaked[0].done() and not creds.revoked, "cancel() only asked"
for task in leaked:
    await stop_task(task)
print(f"after stop_task():    done={leaked[0].done()}, revoked={creds.revoked}")
assert leaked[0].cancelled() and creds.revoked, "awaiting let the finally block run"

# %% [markdown]
# (`course_utils.background.cancel_and_wait` is the same function, and also re-raises an error
# the task died of before it could be cancelled.) Here is the whole pattern with the agent at
# work: the refresher wakes up about once a second in the background while the agent's four
# calls run in turn, and a `finally` stops it with the agent.

# %%
creds = Credentials()
async with Timeline() as tl:
    refresher = asyncio.create_task(keep_fresh(creds), name="refresher")
    try:
        for question in QUESTIONS:
            await tl.trace(llm.complete(question), label=question)
    finally:
        await stop_task(refresher)

print(f"{tl.elapsed:.1f} s of work, {creds.refreshes} refreshes, revoked={creds.revoked}")
assert 1 <= creds.refreshes <= tl.elapsed / REFRESH_EVERY + 1, "at most one refresh a second"
assert creds.revoked, "and it stopped with the agent"
tl.plot(title="A background refresher runs while the agent works, and stops with it")

# %% [markdown]
# ## A webhook: acknowledge first, work later
#
# Services announce events by calling you: a new issue, a payment, a finished job. A webhook is
# an HTTP endpoint, and FastAPI endpoints are `async def`, so the server can run on the *same*
# loop as your agent: `uvicorn.Server(config).serve()` is a coroutine; start it as a task, wait
# until it is listening, stop it by setting `should_exit`. Two endpoints show a classic mistake:
# `/inline` runs the agent before answering, `/queued` queues the event and answers `202`.

# %%
events: asyncio.Queue = asyncio.Queue()
slow_llm = connect(config.LARGE_MODEL)  # a thorough agent: seconds per answer
app = FastAPI()


@app.post("/inline")
async def inline(event: dict) -> dict:
    reply = await slow_llm.complete(f"Triage: {event['text']}")  # the sender waits for this
    return {"answer": reply.text}


@app.post("/queued", status_code=202)
async def queued(event: dict) -> dict:
    await events.put(event)
    return {"status": "queued"}


server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
serving = asyncio.create_task(server.serve())
while not server.started:  # readiness is a flag, not a guess
    await asyncio.sleep(0.01)
url = f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"  # port 0: a free one

# %% [markdown]
# A worker answers the queued events. Each sender measures how long it waited for the reply.

# %%
async def worker(queue: asyncio.Queue, llm, log: list) -> None:
    """Answer events from the queue, forever (its owner stops it)."""
    while True:
        event = await queue.get()
        try:
            reply = await llm.complete(f"Triage this for the on-call engineer: {event['text']}")
            log.append({**event, "answer": reply.text})
        finally:
            queue.task_done()


async def post(client: httpx.AsyncClient, path: str, event: dict) -> float:
    """Send one webhook; return how long the sender waited."""
    start = loop.time()
    (await client.post(path, json=event)).raise_for_status()
    return loop.time() - start


webhook_log: list = []
consumer = asyncio.create_task(worker(events, slow_llm, webhook_log), name="webhook-worker")
alerts = [{"id": f"evt-{i}", "text": f"issue {i}: latency above SLO"} for i in range(3)]
async with httpx.AsyncClient(base_url=url, trust_env=False) as client:
    inline_waits = await asyncio.gather(*(post(client, "/inline", e) for e in alerts))
    queued_waits = await asyncio.gather(*(post(client, "/queued", e) for e in alerts))
await events.join()                 # the queued events still get their answers
await stop_task(consumer)
server.should_exit = True           # stop the server and wait for it
await serving

print(f"sender waited up to {max(inline_waits):.2f} s on /inline, {max(queued_waits):.2f} s "
      f"on /queued ({max(inline_waits) / max(queued_waits):.0f}x less)")
assert len(webhook_log) == 3 and serving.done(), "every queued event was answered"
assert max(inline_waits) > 2 * max(queued_waits), "acknowledging first: the sender waits far less"

# %% [markdown]
# Webhook senders give up after a few seconds and *retry*, so a slow inline handler gets the
# same event twice. Acknowledge fast, work in the background. (A real service wants more than
# those five lines of uvicorn: a startup timeout, a clear error if the port is taken, its
# signal handlers left alone. `course_utils.background.serve_app(app)` adds them; lesson 19
# uses it.)
#
# ## Pitfall: one bad event takes down the service
#
# A service runs its workers in a `TaskGroup`. Then someone pastes a whole log file into an
# alert: the model refuses the prompt (`400`, too long), the worker raises, and the TaskGroup
# does its job: it cancels every other task. One bad event stops all of them.

# %%
poison = {"id": "evt-huge", "text": "log line " * 20_000}     # far beyond the context window
batch = [*alerts[:2], poison, *alerts[2:]]


async def serve_batch(worker_fn, events: list) -> list:
    queue, log = asyncio.Queue(), []
    for event in events:
        queue.put_nowait(event)
    async with asyncio.TaskGroup() as tg:
        pool = [tg.create_task(worker_fn(queue, llm, log), name=f"worker-{i}") for i in range(2)]
        await queue.join()
        for task in pool:
            task.cancel()
    return log


crashed = ()
try:
    await serve_batch(worker, batch)
except* LLMError as group:
    print("the whole service stopped:", repr(group.exceptions[0])[:90])
    crashed = group.exceptions
assert crashed, "one refused prompt ended every worker"

# %% [markdown]
# The fix belongs in the worker: an event is a unit of work, and its failure is *its* outcome.
# Catch the errors you expect from one event, record them (a dead-letter list to look at, or
# retry later), and take the next event. Cancellation is not an `Exception`, so stopping still
# works.

# %%
async def sturdy_worker(queue: asyncio.Queue, llm, log: list) -> None:
    """Answer events from the queue; a failed event is logged, and the worker goes on."""
    while True:
        event = await queue.get()
        try:
            reply = await llm.complete(f"Triage this for the on-call engineer: {event['text']}")
            log.append({**event, "answer": reply.text})
        except LLMError as error:
            log.append({**event, "failed": f"{type(error).__name__}: {error}"})
        finally:
            queue.task_done()


log = await serve_batch(sturdy_worker, batch)
failed = [e["id"] for e in log if "failed" in e]
print(f"{len(log) - len(failed)} answered, failed: {failed}")
assert len(log) == len(batch) and failed == ["evt-huge"], "one event failed; the rest were answered"

# %% [markdown]
# ## Idempotent webhooks
#
# Webhook senders promise **at-least-once** delivery: when your `202` is slow or lost, or they
# restart, they send the same event again, with the same event id. Processed twice, an event
# means two replies to a customer, two charges, twice the tokens. Here the sender's retries are
# replayed as they would arrive:

# %%
deliveries = [alerts[0], alerts[1], alerts[1], alerts[2], alerts[0]]   # two redeliveries


def make_hooks(queue: asyncio.Queue, dedupe: bool) -> FastAPI:
    hooks, seen = FastAPI(), set()

    @hooks.post("/webhook", status_code=202)
    async def webhook(event: dict) -> dict:
        if dedupe:
            if event["id"] in seen:          # check and add with no await between: no race
                return {"status": "duplicate"}
            seen.add(event["id"])
        await queue.put(event)
        return {"status": "queued"}

    return hooks


async def deliver(dedupe: bool) -> list:
    queue, log = asyncio.Queue(), []
    transport = httpx.ASGITransport(app=make_hooks(queue, dedupe))   # the app, without a socket
    async with httpx.AsyncClient(transport=transport, base_url="http://hooks") as client:
        for event in deliveries:
            (await client.post("/webhook", json=event)).raise_for_status()
    async with asyncio.TaskGroup() as tg:
        pool = [tg.create_task(sturdy_worker(queue, llm, log)) for _ in range(2)]
        await queue.join()
        for task in pool:
            task.cancel()
    return log


naive_log, idempotent_log = await deliver(dedupe=False), await deliver(dedupe=True)
print(f"{len(deliveries)} deliveries of {len(alerts)} events: {len(naive_log)} answers without "
      f"dedupe, {len(idempotent_log)} with it")
assert len(naive_log) == len(deliveries), "every redelivery was processed again"
assert sorted(e["id"] for e in idempotent_log) == [e["id"] for e in alerts], "each event once"

# %% [markdown]
# A duplicate still gets a `2xx`, or the sender would keep retrying. In production the `seen`
# set lives in a shared store with an expiry (Redis `SET id 1 NX EX 86400`, or a unique key in
# your database), so it survives restarts and several replicas, and does not grow forever.
#
# ## Exercise
#
# Write `run_every(period, job, stop)` in [`exercises/ex18_periodic.py`](../exercises/ex18_periodic.py):
# a timer loop that keeps a fixed schedule (no drift, no catch-up bursts) and stops at once
# when the event is set.

# %%
from course_utils import check, hint  # noqa: E402

check("ex18_periodic")

# %% [markdown]
# ## Quiz

# %%
from course_utils import quiz  # noqa: E402

quiz("18")

# %% [markdown]
# ## Summary
# - Keep a reference to every background task; stop it with `cancel()` **then** `await`, and
#   re-raise when `current_task().cancelling()` says you are being cancelled yourself.
# - A forgotten task in a notebook runs until the kernel restarts; `asyncio.all_tasks()` finds it.
# - A webhook acknowledges at once (`202`) and a worker does the work from a queue.
# - A worker catches the errors of one event and goes on; otherwise its `TaskGroup` cancels
#   the whole service.
# - Senders deliver at least once: dedupe by event id, and answer duplicates with a `2xx`.
