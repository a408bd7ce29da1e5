# %% [markdown]
# # 14 · Background tasks and event-driven agents
#
# So far every agent in this course ran because you called it. A deployed agent also works on
# its own: it refreshes its credentials, notices new files, answers webhooks, and when the
# platform says "stop", it stops without losing the work it already accepted.
#
# ## Learning objectives
# - Run a periodic background task and stop it cleanly: `cancel()`, then `await`.
# - Trigger an agent from events: a folder watcher and a webhook served on the notebook's loop.
# - Shut down every source and worker with one `asyncio.Event`, finishing accepted work first.
# - Run a service until SIGINT/SIGTERM and exit with code 0 and a summary.

# %%
import asyncio
import contextlib
import shutil
import signal
import sys
import tempfile
from pathlib import Path

import httpx
import uvicorn
from fastapi import FastAPI

from course_utils import SimulatedLLM, Timeline, clock, config, quiz, tracing
from course_utils.background import BackgroundServer, cancel_and_wait

workdir = Path(tempfile.mkdtemp(prefix="lesson14-"))
QUESTIONS = ["Plan the report", "Search for sources", "Draft the summary", "Check the draft"]

# %% [markdown]
# ## A heartbeat that refreshes a token
#
# Many APIs hand out tokens that expire. The agent should not notice: a background task
# refreshes the token on a timer while the agent works. When the task is stopped, its `finally`
# block revokes the token, the kind of cleanup every real background task has.

# %%
REFRESH_EVERY = 1.0  # course seconds (a real token lives for minutes; the idea is the same)


class Credentials:
    def __init__(self) -> None:
        self.token, self.refreshes, self.revoked = "tok-0", 0, False


async def keep_fresh(creds: Credentials, every: float = REFRESH_EVERY) -> None:
    """Refresh the token every `every` course seconds, until cancelled."""
    try:
        while True:
            await clock.sleep(every)  # sleep, then work: drifts a little (exercise 1 fixes it)
            creds.refreshes += 1
            creds.token = f"tok-{creds.refreshes}"
            tracing.mark("refresh")
    finally:
        creds.revoked = True  # cleanup: revoke the token, close the session...

# %% [markdown]
# ## Pitfall: the task that outlives its agent
#
# Start the refresher with `create_task`, let the agent do its work, and forget about it.
# In a script, `asyncio.run` would cancel it on the way out. In a notebook, the loop lives as
# long as the kernel, so the task keeps running (and, in real life, keeps calling an API).

# %%
creds = Credentials()
asyncio.create_task(keep_fresh(creds))  # fire and forget: no reference, no stop

llm = SimulatedLLM()
for question in QUESTIONS:
    await llm.complete(question)
at_finish = creds.refreshes
print(f"the agent is done; the token was refreshed {at_finish} times")

await clock.sleep(3 * REFRESH_EVERY)  # ...the next cell, a few seconds later
print(f"3 course seconds later: {creds.refreshes} refreshes, revoked={creds.revoked}")
assert creds.refreshes >= at_finish + 2 and not creds.revoked  # still running, unasked

# %% [markdown]
# We kept no reference, so how do we stop it? `asyncio.all_tasks()` lists every unfinished
# task on the loop; it is the first thing to check when a notebook or a service "leaks". (And,
# as in lesson 04: keep a reference to every task you create; the loop holds tasks only weakly.)

# %%
leaked = [t for t in asyncio.all_tasks() if t.get_coro().__name__ == "keep_fresh"]
print("found:", leaked)
for task in leaked:
    await cancel_and_wait(task)  # explained in the next section
assert leaked and creds.revoked

# %% [markdown]
# ## Stop = cancel, then await
#
# `task.cancel()` only *asks*: it schedules a `CancelledError` to be thrown into the task at its
# next step. Right after the call the task is still pending and its cleanup has not run. Await
# the task to let it finish, and absorb the `CancelledError` it ends with.

# %%
creds = Credentials()
refresher = asyncio.create_task(keep_fresh(creds), name="refresher")
await clock.sleep(1.5 * REFRESH_EVERY)

refresher.cancel()
print(f"right after cancel(): done={refresher.done()}, revoked={creds.revoked}")
assert not refresher.done() and not creds.revoked  # cancel() only asked

try:
    await refresher  # let it run its finally block
except asyncio.CancelledError:
    pass
print(f"after awaiting it:    done={refresher.done()}, revoked={creds.revoked}")
assert refresher.cancelled() and creds.revoked

# %% [markdown]
# Those lines have one trap, the one lesson 07 warned about: if *your* code is cancelled while
# it awaits the task, the bare `except CancelledError: pass` swallows your own cancellation
# too. `cancel_and_wait(task)` in `course_utils.background` does the same cancel-and-await,
# re-raises when the caller is being cancelled (Python 3.11's `current_task().cancelling()`),
# and re-raises any error the task died of. With it, a task is never left pending, so asyncio never has to report
# *"Task was destroyed but it is pending!"* when the loop closes.
#
# Here is the whole pattern with the agent at work: the refresher ticks in the background
# (the dots are refreshes) while the agent's four calls run one after another.

# %%
creds = Credentials()
llm = SimulatedLLM()
async with Timeline() as tl:
    refresher = asyncio.create_task(keep_fresh(creds), name="refresher")
    try:
        for question in QUESTIONS:
            await tl.trace(llm.complete(question), label=question)
    finally:
        await cancel_and_wait(refresher)

expected = tl.elapsed / REFRESH_EVERY
print(f"{tl.elapsed:.1f} course s of work, {creds.refreshes} refreshes, revoked={creds.revoked}")
assert abs(creds.refreshes - expected) <= 1.5 and creds.revoked
tl.plot(title="A background refresher runs while the agent works, and stops with it")

# %% [markdown]
# ## Event-driven: a folder watcher
#
# An event-driven agent does not wait to be called; it reacts. The simplest trigger is a
# folder: drop a ticket in it and the agent picks it up. Without OS notifications, you
# **poll**: list the folder every `POLL` seconds and queue whatever is new. Two details matter:
#
# - The wait between scans must end early when the service stops, or stopping takes up to a
#   whole poll interval. Waiting on the stop event *with a timeout* gives you both.
# - On stop, scan one last time, so a file that arrived just before is queued, not forgotten.

# %%
POLL = 1.0  # course seconds between scans


async def pause(seconds: float, stop: asyncio.Event) -> None:
    """Sleep `seconds` course seconds, or less if `stop` is set meanwhile."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(clock.to_real(seconds)):
            await stop.wait()


async def watch_folder(folder: Path, queue: asyncio.Queue, stop: asyncio.Event,
                       scans: list, poll: float = POLL) -> None:
    """Queue each new *.txt file in `folder`; scan every `poll` course s until `stop`."""
    seen: set[Path] = set()
    while True:
        scans.append(clock.now())
        for path in sorted(folder.glob("*.txt")):  # a quick syscall, fine on the loop
            if path not in seen:
                seen.add(path)
                await queue.put({"source": "file", "name": path.name, "text": path.read_text(),
                                 "arrived": clock.now()})
        if stop.is_set():
            return  # the final scan is done: everything that arrived is queued
        await pause(poll, stop)


async def worker(name: str, queue: asyncio.Queue, llm: SimulatedLLM, log: list) -> None:
    """Answer events from the queue, forever (the owner cancels it once the queue is idle)."""
    while True:
        event = await queue.get()
        try:
            reply = await llm.complete(f"Triage this for the on-call engineer: {event['text']}")
            log.append({**event, "done": clock.now(), "by": name, "answer": reply.text})
        finally:
            queue.task_done()

# %% [markdown]
# To see what happens to each event, draw its life: from the moment it was sent (the file was
# written, the webhook posted) to the moment it was noticed, then to its answer.

# %%
import matplotlib.pyplot as plt  # noqa: E402


def plot_events(log: list, t0: float, *, scans=(), stop_at=None, title=""):
    """One row per event: waiting to be noticed (orange), then queued and answered (blue)."""
    rows = sorted(log, key=lambda e: e["sent"])
    fig, ax = plt.subplots(figsize=(8, 0.35 * len(rows) + 1.4), layout="constrained")
    for y, e in enumerate(rows):
        ax.barh(y, e["arrived"] - e["sent"], left=e["sent"] - t0, color="#D55E00", height=0.6)
        ax.barh(y, e["done"] - e["arrived"], left=e["arrived"] - t0, color="#0072B2", height=0.6)
    for t in scans:
        ax.axvline(t - t0, color="grey", linestyle=":", linewidth=1)
    if stop_at is not None:
        ax.axvline(stop_at - t0, color="black", linestyle="--", linewidth=1.5)
    ax.set_yticks(range(len(rows)), [e["name"] for e in rows], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(left=0)
    ax.set_xlabel("time (course seconds)")
    ax.set_title(title, fontsize=10)
    ax.legend(handles=[plt.Rectangle((0, 0), 1, 1, color="#D55E00"),
                       plt.Rectangle((0, 0), 1, 1, color="#0072B2")]
              + ([plt.Line2D([], [], color="grey", linestyle=":")] if scans else [])
              + ([plt.Line2D([], [], color="black", linestyle="--")] if stop_at else []),
              labels=["waiting to be noticed", "queued + answered"]
              + (["folder scan"] if scans else []) + (["stop.set()"] if stop_at else []),
              loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8, frameon=False)
    plt.close(fig)
    return fig

# %% [markdown]
# Now play the outside world: drop a ticket every 1.5 course seconds and see how long each
# one waits before the watcher notices it.

# %%
inbox = workdir / "inbox"
inbox.mkdir()
queue, stop, log, scans, dropped = asyncio.Queue(), asyncio.Event(), [], [], {}
llm = SimulatedLLM()
t0 = clock.now()

async with asyncio.TaskGroup() as tg:
    watcher = tg.create_task(watch_folder(inbox, queue, stop, scans), name="watcher")
    workers = [tg.create_task(worker(f"worker-{i}", queue, llm, log), name=f"worker-{i}")
               for i in range(2)]
    for i in range(4):
        await clock.sleep(1.5)
        (inbox / f"ticket-{i}.txt").write_text(f"Ticket {i}: the nightly export failed")
        dropped[f"ticket-{i}.txt"] = clock.now()
    stop.set()          # stop watching...
    await watcher       # ...once it has taken its last look...
    await queue.join()  # ...answer every ticket it queued...
    for w in workers:   # ...then release the idle workers
        w.cancel()

for event in log:
    event["sent"] = dropped[event["name"]]
noticed = [e["arrived"] - e["sent"] for e in log]
print(f"{len(log)} tickets answered; noticed after {min(noticed):.2f} to {max(noticed):.2f} "
      f"course s (poll every {POLL:g} s); {len(scans)} scans for {len(log)} files")
assert sorted(e["name"] for e in log) == [f"ticket-{i}.txt" for i in range(4)]  # none lost
assert max(noticed) < 2 * POLL                             # at most about one poll late
assert len(scans) > len(log)                               # more scans than files
plot_events(log, t0, scans=scans, title="Folder watcher: a ticket waits for the next scan")

# %% [markdown]
# Each ticket waited up to one poll interval to be noticed, and the watcher scanned more often
# than files arrived: polling trades latency against wasted work. For production, the `watchfiles` package asks
# the operating system to notify you instead (`async for changes in awatch(folder)`); the
# shape of the agent (a source feeding a queue) stays the same.
#
# ## Event-driven: a webhook
#
# Services announce events by calling you: a new issue, a payment, a finished job. A webhook
# is an HTTP endpoint, and FastAPI endpoints are `async def`, so the server can run on the
# *same* event loop as your agent. `uvicorn.Server(config).serve()` is a coroutine: start it as
# a background task, wait until it is listening, and stop it by setting `should_exit`.
#
# Two endpoints, to see a classic mistake: `/inline` runs the agent before answering, `/queued`
# only queues the event and answers `202 Accepted` at once.

# %%
events: asyncio.Queue = asyncio.Queue()
slow_llm = SimulatedLLM(config.LARGE_MODEL)  # a thorough agent: seconds per answer
app = FastAPI()


@app.post("/inline")
async def inline(event: dict) -> dict:
    reply = await slow_llm.complete(f"Triage: {event['text']}")  # the sender waits for this
    return {"answer": reply.text}


@app.post("/queued", status_code=202)
async def queued(event: dict) -> dict:
    await events.put({**event, "source": "webhook", "arrived": clock.now()})
    return {"status": "queued"}

# %%
server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
serving = asyncio.create_task(server.serve())
while not server.started:  # readiness is a flag, not a guess
    await asyncio.sleep(0.01)
url = f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"  # port 0: a free one
print("serving on", url)


async def post(client: httpx.AsyncClient, path: str, text: str) -> float:
    """Send one webhook; return how long the sender waited (course seconds)."""
    start = clock.now()
    response = await client.post(path, json={"text": text})
    response.raise_for_status()
    return clock.now() - start


webhook_log: list = []
consumer = asyncio.create_task(worker("webhook-worker", events, slow_llm, webhook_log))
async with httpx.AsyncClient(base_url=url, trust_env=False) as client:
    inline_waits = await asyncio.gather(*(post(client, "/inline", f"issue {i}") for i in range(3)))
    queued_waits = await asyncio.gather(*(post(client, "/queued", f"issue {i}") for i in range(3)))
await events.join()                 # the queued events still get their answers
await cancel_and_wait(consumer)

server.should_exit = True           # stop the server and wait for it
await serving

slowest_inline, slowest_queued = max(inline_waits), max(queued_waits)
print(f"sender waited up to {slowest_inline:.2f} course s on /inline, "
      f"{slowest_queued:.2f} on /queued ({slowest_inline / slowest_queued:.0f}x less)")
assert len(webhook_log) == 3 and serving.done()
assert slowest_inline > 5 * slowest_queued

# %% [markdown]
# The inline endpoint makes the sender wait for the model; webhook senders give up after a few
# seconds and *retry*, so a slow inline handler gets the same event twice. Acknowledge fast,
# work in the background.
#
# A real service wants more than those five lines: a timeout on startup; a clear error if the
# port is taken (uvicorn reports that with `sys.exit()`, and a `SystemExit` escaping a task
# stops the whole event loop, your notebook's included); and its signal handlers left alone
# (`serve()` takes over Ctrl-C while it runs, because it expects to own the process).
# `course_utils.background.BackgroundServer` (and `serve_app(app)`, its `async with` form)
# adds exactly that; the next section uses it.
#
# ## One event stops everything
#
# Put it together: a watcher, a webhook, a token refresher and a pool of workers, all fed by
# one queue. Stopping must happen in order, or work gets lost:
#
# 1. stop intake: close the webhook server, let the watcher take its last look, stop the refresher;
# 2. drain: `await queue.join()`, so every accepted event gets its answer;
# 3. release the idle workers.
#
# One `asyncio.Event` starts that sequence; every loop in the service checks it.

# %%
def make_webhook_app(queue: asyncio.Queue) -> FastAPI:
    hooks = FastAPI()

    @hooks.post("/webhook", status_code=202)
    async def webhook(event: dict) -> dict:
        await queue.put({**event, "source": "webhook", "arrived": clock.now()})
        return {"status": "queued"}

    return hooks


async def refresh_until(stop: asyncio.Event, creds: Credentials) -> None:
    """The refresher again, stopped by the event instead of by cancellation."""
    while True:
        await pause(REFRESH_EVERY, stop)
        if stop.is_set():
            creds.revoked = True
            return
        creds.refreshes += 1
        tracing.mark("refresh")


class AgentService:
    """Watcher + webhook + refresher + workers; `stop.set()` shuts it all down in order."""

    def __init__(self, inbox: Path, llm: SimulatedLLM, workers: int = 3) -> None:
        self.inbox, self.llm, self.workers = inbox, llm, workers
        self.queue: asyncio.Queue = asyncio.Queue()
        self.stop, self.ready = asyncio.Event(), asyncio.Event()
        self.creds, self.log, self.scans, self.url = Credentials(), [], [], ""

    async def run(self) -> dict:
        server = BackgroundServer(make_webhook_app(self.queue))
        self.url = await server.start()
        try:
            async with asyncio.TaskGroup() as tg:
                sources = [
                    tg.create_task(watch_folder(self.inbox, self.queue, self.stop, self.scans),
                                   name="watcher"),
                    tg.create_task(refresh_until(self.stop, self.creds), name="refresher"),
                ]
                pool = [tg.create_task(worker(f"worker-{i}", self.queue, self.llm, self.log),
                                       name=f"worker-{i}") for i in range(self.workers)]
                self.ready.set()
                await self.stop.wait()
                await server.stop()              # 1. intake: no new webhooks...
                await asyncio.gather(*sources)   #    ...last folder scan, refresher done
                await self.queue.join()          # 2. drain: every accepted event answered
                for task in pool:                # 3. release the idle workers
                    task.cancel()
        finally:
            await server.stop()  # also on an error path (a no-op if already stopped)
        return {"answered": len(self.log), "refreshes": self.creds.refreshes,
                "revoked": self.creds.revoked}

# %% [markdown]
# Drive it like the outside world would: tickets land in the folder and alerts arrive by
# webhook, and right after the last ones the operator asks the service to stop.

# %%
inbox = workdir / "service-inbox"
inbox.mkdir()
service = AgentService(inbox, SimulatedLLM())
t0, dropped = clock.now(), {}

running = asyncio.create_task(service.run(), name="service")
await service.ready.wait()
async with httpx.AsyncClient(base_url=service.url, trust_env=False) as client:
    for i in range(3):
        (inbox / f"ticket-{i}.txt").write_text(f"Ticket {i}: disk almost full on db-{i}")
        dropped[f"ticket-{i}.txt"] = clock.now()
        await client.post("/webhook", json={"name": f"alert-{i}", "sent": clock.now(),
                                            "text": f"Alert {i}: latency above SLO"})
        if i < 2:
            await clock.sleep(0.8)
stop_at = clock.now()
service.stop.set()          # one event...
summary = await running     # ...and everything winds down

for event in service.log:
    event.setdefault("sent", dropped.get(event["name"]))
leftovers = [t.get_name() for t in asyncio.all_tasks()
             if t.get_name().startswith(("worker", "watcher", "refresher", "uvicorn"))]
after_stop = sum(e["done"] > stop_at for e in service.log)
print(summary, f"| {after_stop} answers finished after the stop | leftover tasks: {leftovers}")
sources = sorted(e["source"] for e in service.log)
assert summary["answered"] == 6 and sources == ["file"] * 3 + ["webhook"] * 3  # nothing lost
assert after_stop >= 1                                   # accepted work was drained, not dropped
assert summary["revoked"] and not leftovers and running.done()
plot_events(service.log, t0, stop_at=stop_at,
            title="Stop with work in flight: intake closes, accepted events still get answers")

# %% [markdown]
# The last ticket and alert arrived just before the stop; they were still answered after it.
# On the event, the webhook server closes, the watcher makes its last scan (catching the last
# ticket), the refresher returns, the workers finish what is queued, and only then are they
# released. No task is left pending, and nothing is cancelled in the middle of an answer.
#
# ## Running until interrupted
#
# A service runs until the platform stops it: Ctrl-C sends **SIGINT**; `kill`, Docker,
# Kubernetes and systemd send **SIGTERM** (then SIGKILL if you take too long).
# `loop.add_signal_handler(sig, stop.set)` turns either signal into the same shutdown event.
# The script below is a small service: an intake that creates a ticket every 0.3 s, two
# workers, a summary at the end. `--no-handlers` runs it without the signal handlers.

# %%
# %%writefile {workdir}/agent_service.py
"""A tiny agent service: runs until SIGINT or SIGTERM, then stops cleanly and reports."""
import asyncio
import contextlib
import signal
import sys

from course_utils import SimulatedLLM, clock


async def main(handle_signals: bool) -> int:
    stop = asyncio.Event()
    if handle_signals:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)  # a signal only sets the event

    llm, queue, answered = SimulatedLLM(), asyncio.Queue(), []

    async def intake() -> None:  # stands in for the watcher and the webhook
        n = 0
        while not stop.is_set():
            n += 1
            await queue.put(f"ticket {n}")
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(clock.to_real(0.3)):
                    await stop.wait()

    async def worker() -> None:
        while True:
            ticket = await queue.get()
            await llm.complete(f"Triage {ticket}")
            answered.append(ticket)
            print("answered", ticket, flush=True)
            queue.task_done()

    async with asyncio.TaskGroup() as tg:
        source = tg.create_task(intake())
        workers = [tg.create_task(worker()) for _ in range(2)]
        print("ready", flush=True)
        await stop.wait()
        await source            # stop intake
        await queue.join()      # finish accepted tickets
        for w in workers:
            w.cancel()
    print(f"clean shutdown: {len(answered)} tickets answered, {queue.qsize()} left", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(handle_signals="--no-handlers" not in sys.argv)))

# %% [markdown]
# The notebook starts it with `asyncio.create_subprocess_exec` (the async way to run a
# process), waits until it has answered three tickets, sends a signal, and collects the rest.

# %%
async def run_and_signal(sig: signal.Signals, *options: str) -> tuple[int, str]:
    """Start the service, signal it after 3 answers; return its exit code and output."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, str(workdir / "agent_service.py"), *options,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    lines = []
    async with asyncio.timeout(120):
        while sum(line.startswith("answered") for line in lines) < 3:
            line = (await proc.stdout.readline()).decode()
            if not line:
                break  # it exited early; the output will say why
            lines.append(line)
        proc.send_signal(sig)
        rest, _ = await proc.communicate()
    return proc.returncode, "".join(lines) + rest.decode()

# %% [markdown]
# First without handlers. SIGTERM's default action is to end the process on the spot: no
# `finally`, no drain, no summary.

# %%
code, output = await run_and_signal(signal.SIGTERM, "--no-handlers")
print(output[-300:])
print("exit code:", code)
assert code == -signal.SIGTERM and "clean shutdown" not in output

# %% [markdown]
# Now with the handlers, once with each signal (the two runs go concurrently):

# %%
results = await asyncio.gather(run_and_signal(signal.SIGINT), run_and_signal(signal.SIGTERM))
for sig, (code, output) in zip(("SIGINT", "SIGTERM"), results):
    summary_line = output.strip().splitlines()[-1]
    print(f"{sig}: exit code {code} | {summary_line}")
    answered = output.count("answered ticket")
    assert code == 0 and summary_line.startswith(f"clean shutdown: {answered} tickets answered, 0 left")

# %% [markdown]
# Exit code 0, every accepted ticket answered, a summary printed, for both signals. Without a
# handler, SIGINT would instead raise `KeyboardInterrupt` out of `asyncio.run` (tasks are
# cancelled mid-answer, exit code non-zero), and SIGTERM kills the process outright.
# `add_signal_handler` is Unix-only; on Windows, catch `KeyboardInterrupt` around
# `asyncio.run` instead.

# %% [markdown]
# ## Exercises
#
# 1. `ex14_periodic`: write `run_every(period, job, stop)`, a timer loop that keeps a fixed
#    schedule (no drift, no catch-up bursts) and stops at once when the event is set.
# 2. `ex14_graceful_shutdown`: write `run_pool(queue, handle, stop)`, a worker pool that drains
#    its queue on stop, cancels nothing half-way and leaves no task behind.

# %%
from course_utils import check, hint  # noqa: E402

check("ex14_periodic")

# %%
check("ex14_graceful_shutdown")

# %% [markdown]
# ## Quiz

# %%
quiz("14")

# %% [markdown]
# ## Summary
# - Keep a reference to every background task, and stop it with `cancel()` **then** `await`:
#   `cancel()` only asks, and the task's `finally` runs at its next step.
# - A forgotten task in a notebook runs until the kernel restarts; `asyncio.all_tasks()`
#   finds it.
# - Event-driven agents are sources (a folder watcher, a webhook) feeding a queue that workers
#   drain; a webhook should acknowledge at once (`202`) and work in the background.
# - `uvicorn.Server(config).serve()` runs a FastAPI app as a task on your loop;
#   `course_utils.background.serve_app` adds readiness, errors and clean stop.
# - One `asyncio.Event` drives an ordered shutdown: stop intake, drain, release workers; a
#   signal handler (`loop.add_signal_handler`) just sets that event.

# %%
shutil.rmtree(workdir, ignore_errors=True)
