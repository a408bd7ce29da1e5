# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # 19 · Clean shutdown
#
# A deployed agent is stopped all the time: every deploy, every scale-down, every node that is
# drained. When the platform says "stop", a good service stops taking work, finishes what it
# accepted (within a deadline), releases its clients, and exits with code 0.
#
# ## Learning objectives
# - Stop every source and worker of a service with one `asyncio.Event`, in order.
# - Drain accepted work within a deadline, and report what was abandoned.
# - Open shared clients once per app with FastAPI's `lifespan`, and close them at shutdown.
# - Turn SIGINT/SIGTERM into the same event, and know why a container's PID 1 needs it most.

# %%
import asyncio
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx
from fastapi import FastAPI, Request

from course_utils import LLMError, connect, simulated
from course_utils.background import BackgroundServer, serve_app
from course_utils.event_plots import plot_events

loop = asyncio.get_running_loop()
workdir = Path(tempfile.mkdtemp(prefix="lesson19-"))
llm = connect()

# %% [markdown]
# ## Sources that stop on an event
#
# The service of this lesson has two sources: a folder watcher (drop a ticket in a folder) and
# a webhook (lesson 18). Without OS notifications the watcher **polls**: it lists the folder
# every `POLL` seconds. Two details make it stop well:
#
# - the wait between scans ends early when the service stops: wait on the stop event *with a
#   timeout*, which gives you both a timer and a way out;
# - on stop, scan one last time, so a file that arrived just before is queued, not forgotten.

# %%
POLL = 2.0            # seconds between folder scans
REFRESH_EVERY = 1.0   # the token refresher of lesson 18


async def pause(seconds: float, stop: asyncio.Event) -> None:
    """Sleep `seconds`, or less if `stop` is set meanwhile."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            await stop.wait()


async def watch_folder(folder: Path, accept, stop: asyncio.Event, scans: list) -> None:
    """Accept each new *.txt file in `folder`; scan every POLL seconds until `stop`."""
    seen: set[Path] = set()
    while True:
        scans.append(loop.time())
        for path in sorted(folder.glob("*.txt")):   # a quick syscall, fine on the loop
            if path not in seen:
                seen.add(path)
                await accept({"name": path.name, "text": path.read_text()})
        if stop.is_set():
            return                                  # the final scan is done
        await pause(POLL, stop)


async def refresh_until(stop: asyncio.Event, creds: dict) -> None:
    """Lesson 18's refresher, stopped by the event instead of by cancellation."""
    while not stop.is_set():
        await pause(REFRESH_EVERY, stop)
        creds["refreshes"] += 1
    creds["revoked"] = True


async def worker(queue: asyncio.Queue, handle, log: list) -> None:
    """Lesson 18's sturdy worker: one failed event is logged, the worker goes on."""
    while True:
        event = await queue.get()
        try:
            event["answer"] = await handle(event)
        except LLMError as error:
            event["failed"] = repr(error)
        finally:
            queue.task_done()
        event["done"] = loop.time()      # not reached when cancelled mid-event: abandoned
        log.append(event)

# %% [markdown]
# ## One event stops everything, in order
#
# Stopping must happen in order, or work gets lost:
#
# 1. **stop intake**: close the webhook server, let the watcher take its last look;
# 2. **drain**: `await queue.join()`, so every accepted event gets its answer, but within a
#    **deadline**: one stuck event must not hold the shutdown forever (the platform would kill
#    the process anyway, losing everything);
# 3. **release the workers**: cancel them, idle or past the deadline, and report what was left.

# %%
async def triage(event: dict) -> str:
    return (await llm.complete(f"Triage this for the on-call engineer: {event['text']}")).text


class AgentService:
    """Watcher + webhook + refresher + workers; `stop.set()` shuts it all down in order."""

    def __init__(self, inbox: Path, handle=triage, *, workers: int = 3,
                 drain_deadline: float | None = None) -> None:
        self.inbox, self.handle, self.workers = inbox, handle, workers
        self.drain_deadline = drain_deadline
        self.queue: asyncio.Queue = asyncio.Queue()
        self.stop, self.ready = asyncio.Event(), asyncio.Event()
        self.creds = {"refreshes": 0, "revoked": False}
        self.log, self.scans, self.accepted, self.url = [], [], 0, ""

    async def accept(self, event: dict) -> None:
        self.accepted += 1
        await self.queue.put({**event, "arrived": loop.time()})

    def webhook_app(self) -> FastAPI:
        hooks = FastAPI()

        @hooks.post("/webhook", status_code=202)
        async def webhook(event: dict) -> dict:
            await self.accept(event)
            return {"status": "queued"}

        return hooks

    async def run(self) -> dict:
        server = BackgroundServer(self.webhook_app())
        self.url = await server.start()
        try:
            async with asyncio.TaskGroup() as tg:
                sources = [tg.create_task(watch_folder(self.inbox, self.accept, self.stop,
                                                       self.scans), name="watcher"),
                           tg.create_task(refresh_until(self.stop, self.creds), name="refresher")]
                pool = [tg.create_task(worker(self.queue, self.handle, self.log),
                                       name=f"worker-{i}") for i in range(self.workers)]
                self.ready.set()
                await self.stop.wait()
                await server.stop()                  # 1. intake: no new webhooks...
                await asyncio.gather(*sources)       #    ...last folder scan, refresher done
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self.drain_deadline):   # None: no deadline
                        await self.queue.join()      # 2. drain what was accepted
                for task in pool:                    # 3. release the workers
                    task.cancel()
        finally:
            await server.stop()  # also on an error path (a no-op if already stopped)
        return {"answered": sum("answer" in e for e in self.log),
                "failed": sum("failed" in e for e in self.log),
                "abandoned": self.accepted - len(self.log), "revoked": self.creds["revoked"]}

# %% [markdown]
# Drive it like the outside world would: tickets land in the folder and alerts arrive by
# webhook, and right after the last ones the operator asks the service to stop.

# %%
inbox = workdir / "inbox"
inbox.mkdir()
service = AgentService(inbox, drain_deadline=10)
running = asyncio.create_task(service.run(), name="service")
await service.ready.wait()
t0, sent = loop.time(), {}
async with httpx.AsyncClient(base_url=service.url, trust_env=False) as client:
    for i in range(3):
        (inbox / f"ticket-{i}.txt").write_text(f"Ticket {i}: disk almost full on db-{i}")
        sent[f"ticket-{i}.txt"] = sent[f"alert-{i}"] = loop.time()
        await client.post("/webhook", json={"name": f"alert-{i}", "text": f"Alert {i}: slow"})
        if i < 2:
            await asyncio.sleep(1.5)
stop_at = loop.time()
service.stop.set()          # one event...
summary = await running     # ...and everything winds down

for event in service.log:
    event["sent"] = sent[event["name"]]
noticed = [e["arrived"] - e["sent"] for e in service.log if e["name"].startswith("ticket")]
after_stop = sum(e["done"] > stop_at for e in service.log)
leftovers = [t.get_name() for t in asyncio.all_tasks()
             if t.get_name().startswith(("worker", "watcher", "refresher", "uvicorn"))]
print(summary, f"| {after_stop} answered after the stop | leftover tasks: {leftovers}")
assert summary["answered"] == 6 and summary["abandoned"] == 0, "nothing accepted was lost"
assert after_stop >= 1, "accepted work was drained after the stop, not dropped"
assert max(noticed) < 2 * POLL, "a ticket waited at most about one poll to be noticed"
assert summary["revoked"] and not leftovers and running.done(), "no task left behind"
plot_events(service.log, t0, scans=service.scans, stop_at=stop_at,
            title="Stop with work in flight: intake closes, accepted events still get answers")

# %% [markdown]
# The last ticket and alert arrived just before the stop and were answered after it. The
# orange bars show polling's price: a ticket waits for the next scan (the `watchfiles` package
# asks the OS to notify you instead; the shape of the service stays the same).
#
# ## Pitfall: a drain without a deadline
#
# Now one event hangs: its tool call never returns (no timeout, lesson 09). With no deadline
# (`drain_deadline=None`), `queue.join()` waits for it forever, and so does the shutdown.

# %%
async def triage_or_hang(event: dict) -> str:
    if "stuck" in event["text"]:
        await asyncio.Event().wait()          # a call that never answers
    return await triage(event)


async def stop_with(deadline: float | None) -> tuple[asyncio.Task, float]:
    folder = workdir / f"inbox-{deadline}"
    folder.mkdir()
    for i, text in enumerate(["disk full", "stuck export", "slow query"]):
        (folder / f"ticket-{i}.txt").write_text(text)
    svc = AgentService(folder, triage_or_hang, drain_deadline=deadline)
    task = asyncio.create_task(svc.run())
    await svc.ready.wait()
    await asyncio.sleep(0.1)                  # the first scan has queued the tickets
    svc.stop.set()
    return task, loop.time()


forever, _ = await stop_with(None)
done, _ = await asyncio.wait({forever}, timeout=3)
print(f"3 s after stop.set(): shutdown finished = {bool(done)}")
assert not done, "without a deadline, the drain waits for the stuck event forever"
forever.cancel()                              # cancel the whole service: what we want to avoid
_ = await asyncio.gather(forever, return_exceptions=True)

# %% [markdown]
# With a deadline the service stops on its own, answers what it can, and says what it gave up:

# %%
DEADLINE = 3.0
bounded, stopped_at = await stop_with(DEADLINE)
summary = await bounded
took = loop.time() - stopped_at
print(f"stopped in {took:.1f} s: {summary}")
assert summary["abandoned"] >= 1 and took < 2 * DEADLINE, "stopped at the deadline, not forever"
if simulated():
    assert summary["answered"] == 2 and summary["abandoned"] == 1, "two answered, the stuck one left"
else:
    print("(real endpoint: the simulator-only checks here are skipped)")

# %% [markdown]
# Log the abandoned events (or put them back in a durable queue). Pick the deadline below the
# platform's grace period (Docker waits 10 s after SIGTERM, Kubernetes 30 s by default).
#
# ## Shared clients: FastAPI's `lifespan`
#
# An app's LLM or HTTP client should be opened **once** and shared by every request (a client
# per request pays a new connection each time and leaks when you forget to close it, lesson 15).
# FastAPI's `lifespan` is an async context manager around the app's life: the code before
# `yield` runs at startup, the code after it at shutdown, once the last request is done.

# %%
lifecycle = []


@contextlib.asynccontextmanager
async def lifespan(app: FastAPI):
    async with connect() as shared_llm:        # opened once, at startup
        app.state.llm = shared_llm
        lifecycle.append("client opened")
        yield                                  # the app serves requests here
        lifecycle.append("shutting down")
    lifecycle.append("client closed")          # closed by `async with`, after the last request


app = FastAPI(lifespan=lifespan)


@app.post("/triage")
async def triage_endpoint(event: dict, request: Request) -> dict:
    reply = await request.app.state.llm.complete(f"Triage: {event['text']}")
    lifecycle.append("request served")
    return {"answer": reply.text}


async with serve_app(app) as url:              # uvicorn runs the lifespan around the server
    async with httpx.AsyncClient(base_url=url, trust_env=False) as client:
        await asyncio.gather(*(client.post("/triage", json={"text": f"alert {i}"})
                               for i in range(3)))
print(lifecycle)
assert lifecycle == ["client opened", *["request served"] * 3, "shutting down", "client closed"], \
    "one client for all requests, closed once at shutdown"

# %% [markdown]
# ## Running until a signal
#
# A service runs until the platform stops it: Ctrl-C sends **SIGINT**; `kill`, Docker,
# Kubernetes and systemd send **SIGTERM** (then SIGKILL if you take too long).
# `loop.add_signal_handler(sig, stop.set)` turns either signal into the shutdown event. The
# script below is a small service: an intake that creates a ticket every 0.3 s, two workers,
# a drain deadline, a summary. `--no-handlers` runs it without the signal handlers.

# %%
# %%writefile {workdir}/agent_service.py
"""A tiny agent service: runs until SIGINT or SIGTERM, then stops cleanly and reports."""
import asyncio
import contextlib
import signal
import sys

from course_utils import connect


async def main(handle_signals: bool) -> int:
    stop = asyncio.Event()
    if handle_signals:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)  # a signal only sets the event

    queue, answered = asyncio.Queue(), []

    async def intake() -> None:  # stands in for the watcher and the webhook
        n = 0
        while not stop.is_set():
            n += 1
            await queue.put(f"ticket {n}")
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(0.3):
                    await stop.wait()

    async def worker(llm) -> None:
        while True:
            ticket = await queue.get()
            try:
                await llm.complete(f"Triage {ticket}")
                answered.append(ticket)
                print("answered", ticket, flush=True)
            finally:
                queue.task_done()

    async with connect() as llm, asyncio.TaskGroup() as tg:
        source = tg.create_task(intake())
        workers = [tg.create_task(worker(llm)) for _ in range(2)]
        print("ready", flush=True)
        await stop.wait()
        await source                                   # stop intake
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(5):             # drain, within a deadline
                await queue.join()
        for w in workers:
            w.cancel()
    print(f"clean shutdown: {len(answered)} tickets answered, {queue.qsize()} left", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(handle_signals="--no-handlers" not in sys.argv)))

# %% [markdown]
# The notebook starts it with `asyncio.create_subprocess_exec`, waits for three answers and sends
# a signal; given a `grace` period, it sends SIGKILL when that is over, as a platform would.
# With `pid1=True` the script runs as PID 1 of a new PID namespace (`unshare`), as in a container.

# %%
GRACE = 5.0    # seconds between SIGTERM and SIGKILL (Docker's default: 10, Kubernetes: 30)
CONTAINER = ["unshare", "--user", "--map-root-user", "--pid", "--fork", "--kill-child"]


async def run_and_signal(sig: signal.Signals, *options: str, pid1: bool = False,
                         grace: float | None = None) -> dict:
    """Start the service, signal it after 3 answers; SIGKILL it if it outlives `grace`."""
    command = [sys.executable, str(workdir / "agent_service.py"), *options]
    proc = await asyncio.create_subprocess_exec(*(CONTAINER if pid1 else []), *command,
                                                stdout=asyncio.subprocess.PIPE,
                                                stderr=asyncio.subprocess.STDOUT)
    lines, killed = [], False
    async with asyncio.timeout(1200):        # a safety net: starting Python takes real time
        while sum(line.startswith("answered") for line in lines) < 3:
            line = (await proc.stdout.readline()).decode()
            if not line:
                break  # it exited early; the output will say why
            lines.append(line)
        target = proc.pid
        if pid1:   # signal the service itself (PID 1 inside), not unshare around it
            target = int(Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()[0])
        os.kill(target, sig)
        try:
            async with asyncio.timeout(grace):   # None: wait as long as it takes
                await proc.wait()
        except TimeoutError:
            os.kill(target, signal.SIGKILL)  # the grace period is over
            killed = True
            await proc.wait()
    output = "".join(lines) + (await proc.stdout.read()).decode()
    return {"code": proc.returncode, "killed": killed, "output": output}

# %% [markdown]
# First without handlers. SIGTERM's default action ends the process at once: no `finally`, no
# drain, no summary.

# %%
plain = await run_and_signal(signal.SIGTERM, "--no-handlers")
print(plain["output"][-200:], "| exit code:", plain["code"])
assert plain["code"] == -signal.SIGTERM and "clean shutdown" not in plain["output"], \
    "killed by SIGTERM, nothing cleaned up"

# %% [markdown]
# Now with the handlers, once with each signal (the two runs go concurrently):

# %%
results = await asyncio.gather(run_and_signal(signal.SIGINT), run_and_signal(signal.SIGTERM))
for sig, result in zip(("SIGINT", "SIGTERM"), results):
    summary_line = result["output"].strip().splitlines()[-1]
    print(f"{sig}: exit code {result['code']} | {summary_line}")
    answered = result["output"].count("answered ticket")
    assert result["code"] == 0 and not result["killed"], f"{sig}: exited by itself, with code 0"
    assert summary_line.startswith(f"clean shutdown: {answered} tickets answered, 0 left"), \
        f"{sig}: every accepted ticket was answered"

# %% [markdown]
# Exit code 0, every accepted ticket answered, a summary, for both signals. Without a handler,
# SIGINT raises `KeyboardInterrupt` out of `asyncio.run` (tasks are cancelled mid-answer).
# `add_signal_handler` is Unix-only; on Windows, catch `KeyboardInterrupt` around `asyncio.run`.
#
# **In a container, your program is PID 1**, and the kernel treats PID 1 of a PID namespace
# specially: a signal whose action is the default is *not delivered* to it (SIGKILL and SIGSTOP
# from outside aside). So with no handler, SIGTERM does not end a Python PID 1 at all: it keeps
# working until the grace period ends in a SIGKILL. Run it that way:

# %%
can_unshare = shutil.which("unshare") and subprocess.run(
    [*CONTAINER, "true"], capture_output=True).returncode == 0
if can_unshare:
    ignored = await run_and_signal(signal.SIGTERM, "--no-handlers", pid1=True, grace=GRACE)
    handled = await run_and_signal(signal.SIGTERM, pid1=True)
    print(f"PID 1, no handler: still running when the grace period ended, so SIGKILLed = "
          f"{ignored['killed']}")
    print(f"PID 1, with handler: {handled['output'].strip().splitlines()[-1]}")
    assert ignored["killed"] and "clean shutdown" not in ignored["output"], "SIGTERM was ignored"
    assert not handled["killed"] and "clean shutdown" in handled["output"], "the handler works"
else:
    print("skipped: this machine cannot create a PID namespace with unshare (macOS, or a "
          "container without user namespaces); the result is in the text above")

# %% [markdown]
# Install the handler (as above), or run a small init as PID 1 that forwards signals to your
# program (`docker run --init`, or `tini`). And prefer the exec form `CMD ["python", "app.py"]`:
# with the shell form, unless the shell replaces itself with Python, `/bin/sh` is PID 1 and
# does not pass SIGTERM on.
#
# ## Exercise
#
# Write `run_pool(queue, handle, stop)` in
# [`exercises/ex19_graceful_shutdown.py`](../exercises/ex19_graceful_shutdown.py): a worker pool
# that drains its queue on stop, cancels nothing half-way and leaves no task behind.

# %%
from course_utils import check, hint  # noqa: E402

check("ex19_graceful_shutdown")

# %% [markdown]
# ## Quiz

# %%
from course_utils import quiz  # noqa: E402

quiz("19")

# %% [markdown]
# ## Summary
# - One `asyncio.Event` drives an ordered shutdown: stop intake (with a last look), drain within
#   a deadline, release the workers, report what was abandoned.
# - Wait on the stop event with a timeout (`asyncio.timeout` around `stop.wait()`): sleeps end early.
# - Open shared clients once in FastAPI's `lifespan` and close them after the last request.
# - A signal handler (`loop.add_signal_handler`) just sets the event. As a container's PID 1,
#   a Python program without one ignores SIGTERM and dies by SIGKILL after the grace period.

# %%
shutil.rmtree(workdir, ignore_errors=True)
