# %% [markdown]
# # 17 · Testing async agents
#
# Your agent retries with a 4-second backoff and gives up on a hung model after 30 seconds.
# A test suite that really waits for those would take minutes, cost tokens, and fail whenever
# the provider has a bad day. This lesson makes it take milliseconds, for free, every time.
#
# ## Learning objectives
# - Configure pytest-asyncio 1.x (`asyncio_mode = "auto"`, loop scopes) and write async tests
#   and async fixtures.
# - Test an agent through an injected fake LLM: a hand-written fake and `unittest.mock.AsyncMock`.
# - Catch the two classic async-test bugs: the forgotten `await` and the wall-clock assertion.
# - Test timeouts and retries deterministically: inject the sleep, or run on looptime's virtual clock.

# %%
import asyncio
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path
from types import SimpleNamespace
from unittest.mock import AsyncMock, call

from course_utils import FaultPlan, Timeline, connect, quiz, simulated

loop = asyncio.get_running_loop()
workdir = Path(tempfile.mkdtemp(prefix="lesson17-"))  # the agent and its tests live here
sys.path.insert(0, str(workdir))
print("working in", workdir)

# %% [markdown]
# ## An agent written to be tested
#
# The one design decision that makes async code testable: **inject what you do not control**.
# The agent below receives its LLM client (anything with `async complete(prompt)`) and its
# `sleep` function instead of reaching for them itself. Production passes the real ones; a
# test passes fakes. It also has an HTTP endpoint, because agents usually live behind one.
#
# `%%writefile` saves the cell as a real module, so the test files below can import it.

# %%
# %%writefile {workdir}/agent.py
"""A small research agent, written to be tested: the LLM and the sleep are injected."""
from __future__ import annotations

import asyncio
from typing import Any, Awaitable, Callable

from fastapi import FastAPI
from pydantic import BaseModel

from course_utils.faults import LLMError


class Agent:
    """Answers a question with one LLM call; retries transient failures with backoff."""

    def __init__(self, llm: Any, *, attempts: int = 5, base_delay: float = 4.0,
                 timeout: float = 30.0,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.llm = llm              # anything with `async complete(prompt) -> reply.text`
        self.attempts = attempts
        self.base_delay = base_delay
        self.timeout = timeout
        self.sleep = sleep          # production: asyncio.sleep; tests: whatever they like

    async def ask(self, question: str) -> str:
        for attempt in range(1, self.attempts + 1):
            try:
                async with asyncio.timeout(self.timeout):
                    reply = await self.llm.complete(f"Answer in one sentence: {question}")
                return reply.text
            except (LLMError, TimeoutError) as error:
                if attempt == self.attempts or not getattr(error, "retryable", True):
                    raise
                await self.sleep(self.base_delay * 2 ** (attempt - 1))  # 4, 8, 16, 32 s
        raise AssertionError("unreachable")


class Question(BaseModel):
    question: str


def make_app(agent: Agent) -> FastAPI:
    """The agent behind HTTP: POST /ask {"question": ...} -> {"answer": ...}."""
    app = FastAPI()

    @app.post("/ask")
    async def ask(body: Question) -> dict[str, str]:
        return {"answer": await agent.ask(body.question)}

    return app

# %% [markdown]
# ## What a test with real waiting costs
#
# Run the agent for real against the simulated LLM, scripted to fail twice. Injection pays
# off at once: the notebook wraps both the model and `asyncio.sleep` with the timeline's
# `tl.wrap` (lesson 02) so each call gets its own row. The agent's code does not change.

# %%
from agent import Agent, make_app  # noqa: E402  (the module was just written)

flaky = connect(faults=FaultPlan(script=["error", "error"]))
async with Timeline() as tl:
    traced_llm = SimpleNamespace(complete=tl.wrap(flaky.complete, label="llm.complete"))
    agent = Agent(traced_llm, sleep=tl.wrap(asyncio.sleep, label="backoff sleep"))
    answer = await tl.trace(agent.ask("What is an event loop?"), label="agent.ask")

asleep = sum(t.duration for t in tl.tasks if t.label == "backoff sleep")
print(f"answer: {answer[:60]}...")
print(f"{tl.elapsed:.1f} s in total, {asleep:.1f} of them asleep in backoff (4 s + 8 s)")
if simulated():
    assert flaky.usage.errors["server_error"] == 2, "the scripted model failed twice"
    assert asleep / tl.elapsed > 0.8, "most of this test would be spent sleeping"
else:
    print("(a real endpoint does not fail on cue: the retry checks run on the simulator only)")
tl.plot(title="One retried call: two errors, two backoff sleeps, one answer")

# %% [markdown]
# The crosses are the two server errors; the long bars are the agent sleeping. A test that
# really waits costs over ten seconds here, a minute for the worst case, per retry path.
#
# ## Fake the sleep, fake the model
#
# An `AsyncMock` is a mock whose calls return awaitables, so it can stand in for any
# `async def`. As the agent's `sleep`, it returns at once and remembers every delay it was
# asked for, which is exactly what a test wants to check.

# %%
flaky = connect(faults=FaultPlan(script=["error", "error"]))
fake_sleep = AsyncMock()
start = loop.time()
answer = await Agent(flaky, sleep=fake_sleep).ask("What is an event loop?")
fast = loop.time() - start

print(f"{fast:.2f} s instead of {tl.elapsed:.1f}")
print("the agent asked to sleep:", fake_sleep.await_args_list)
if simulated():
    assert fake_sleep.await_args_list == [call(4.0), call(8.0)], "the exact backoff schedule"
    assert fast < tl.elapsed / 5, "only the three model calls remain"
else:
    print("(real endpoint: the simulator-only checks here are skipped)")

# %% [markdown]
# Replace the model too and nothing waits at all. `AsyncMock` takes a script through
# `side_effect`: each call returns the next item, or raises it if it is an exception. The
# `assert_awaited_*` methods then check how the agent used it.

# %%
from course_utils.faults import ServerError  # noqa: E402

llm = AsyncMock()
llm.complete.side_effect = [ServerError("503"), SimpleNamespace(text="42.")]
start = loop.time()
answer = await Agent(llm, sleep=AsyncMock()).ask("Meaning of life?")

print(answer, "| awaits:", llm.complete.await_count, f"| {loop.time() - start:.3f} s")
assert answer == "42." and llm.complete.await_count == 2, "one failure, one retry, one answer"
llm.complete.assert_awaited_with("Answer in one sentence: Meaning of life?")

# %% [markdown]
# ## Pitfall: "called" is not "awaited"
#
# A mock records a call the moment the coroutine is *created*, awaited or not. Here the agent
# saves each conversation to a memory store, but forgets the `await`: the save never runs
# (Python only warns "coroutine was never awaited"). `assert_called_once()` passes anyway.

# %%
class RememberingAgent(Agent):
    """An agent that keeps a memory of its conversations... or means to."""

    def __init__(self, llm, memory, **options):
        super().__init__(llm, **options)
        self.memory = memory

    async def ask(self, question: str) -> str:
        answer = await super().ask(question)
        self.memory.save(question, answer)          # bug: no await, so nothing is saved
        return answer


memory = AsyncMock()
llm = AsyncMock()
llm.complete.return_value = SimpleNamespace(text="Paris.")
await RememberingAgent(llm, memory).ask("Capital of France?")
memory.save.assert_called_once()                     # passes: the call was recorded
print("assert_called_once() passed, yet memory.save never ran")

# %% tags=["raises-exception"]
# This cell fails on purpose: AssertionError: Expected save to have been awaited once
memory.save.assert_awaited_once()

# %% [markdown]
# With `AsyncMock`, always assert with the `assert_awaited_*` family: never trust
# `assert_called` on async code. (The fix in the agent is one word: `await`.)
#
# ## pytest-asyncio: mode and loop scopes
#
# pytest cannot run an `async def` test by itself. pytest-asyncio runs it on an event loop;
# with `asyncio_mode = "auto"` every `async def test_*` and every async fixture runs, no
# decorators needed. (The default, *strict* mode runs only tests marked `@pytest.mark.asyncio`
# and fixtures declared with `@pytest_asyncio.fixture`.) In 1.x the old `event_loop` fixture
# is gone: inside a test, `asyncio.get_running_loop()` is the loop.
#
# Which loop? Each test runs on a loop of a **loop scope**: `function` by default, a fresh loop
# per test, so no test can leak tasks into the next. An async fixture runs on a loop of its
# own loop scope, set for all fixtures by `asyncio_default_fixture_loop_scope` (unset, it
# follows the fixture's scope and pytest-asyncio 1.x warns). Lesson 15's rule holds here too:
# a lock, queue or client that first waited on one loop must not be used from another. So a
# module-scoped async fixture (one shared client for a whole file) needs its tests on the
# same loop: mark them `@pytest.mark.asyncio(loop_scope="module")`, or set
# `asyncio_default_test_loop_scope = module`. Start with `function` for both, as here.

# %%
(workdir / "pytest.ini").write_text(
    "[pytest]\n"
    "asyncio_mode = auto\n"
    "asyncio_default_fixture_loop_scope = function\n"
    "asyncio_default_test_loop_scope = function\n"
)
print((workdir / "pytest.ini").read_text())

# %% [markdown]
# ## A first try at the test file
#
# Here is the test file many of us write first. Read it before running it: two tests forget
# to `await` (the bug from lesson 04, now hiding in a test), and the third measures real time
# with `time.perf_counter()`.

# %%
# %%writefile {workdir}/test_agent_first_try.py
"""A first attempt at testing agent.py. Mostly green; three tests are broken anyway."""
import time
from types import SimpleNamespace
from unittest.mock import AsyncMock

from agent import Agent
from course_utils.faults import ServerError


def test_answer():
    llm = AsyncMock()
    llm.complete.return_value = SimpleNamespace(text="Paris.")
    answer = Agent(llm).ask("Capital of France?")       # forgot await
    assert answer == "Paris."


def test_survives_a_server_error():
    llm = AsyncMock()
    llm.complete.side_effect = [ServerError("503"), SimpleNamespace(text="42")]
    assert Agent(llm).ask("Meaning of life?")           # forgot await: can never fail


async def test_backoff_timing():
    llm = AsyncMock()
    llm.complete.side_effect = [ServerError("busy")] * 4 + [SimpleNamespace(text="ok")]
    agent = Agent(llm, base_delay=0.05)                  # shrunk delays: "only" 0.75 s
    start = time.perf_counter()
    await agent.ask("?")
    elapsed = time.perf_counter() - start
    assert 0.75 <= elapsed < 0.85                         # real sleeping, real clock


# %% [markdown]
# Run pytest as in a terminal (`--junitxml` writes each test's outcome and real duration).

# %%
def pytest_run(*args: str) -> tuple[str, dict[str, tuple[str, float]]]:
    """Run pytest in the work dir; return its output and {test: (outcome, real seconds)}."""
    report = workdir / "report.xml"
    result = subprocess.run(
        [sys.executable, "-m", "pytest", *args, "-q", "--color=yes", f"--junitxml={report}",
         "-p", "no:cacheprovider", "-p", "no:nbval", "-p", "no:hypothesispytest"],  # slow, unused
        cwd=workdir, capture_output=True, text=True, timeout=300)
    outcomes = {}
    for case in ET.parse(report).iter("testcase"):
        failed = case.find("failure") is not None or case.find("error") is not None
        outcomes[case.get("name")] = ("failed" if failed else "passed", float(case.get("time")))
    return result.stdout, outcomes


output, first_try = pytest_run("test_agent_first_try.py")
print(output)

# %%
assert first_try["test_answer"][0] == "failed", "loud: compared a coroutine object"
assert first_try["test_survives_a_server_error"][0] == "passed", "silent: tested nothing"
assert "was never awaited" in output, "...but pytest did warn"
assert first_try["test_backoff_timing"][1] >= 0.75, "it really slept"
for name, (outcome, seconds) in first_try.items():
    print(f"{name:32} {outcome:7} {seconds:5.2f} real s")

# %% [markdown]
# Three lessons in one run:
#
# - `test_answer` **fails**: `assert <coroutine object Agent.ask ...> == 'Paris.'`; nothing ran.
# - `test_survives_a_server_error` **passes**, because a coroutine object is truthy. The only
#   clue: `coroutine 'Agent.ask' was never awaited` in the warnings summary. Read it.
# - `test_backoff_timing` slept for real (0.75 s even with shrunk delays), and its upper
#   bound turns red whenever a CI machine is busy.
#
# ## Make the silent failure loud
#
# The "never awaited" warning comes from a finaliser, where an exception cannot propagate;
# pytest reports it as a `PytestUnraisableExceptionWarning`. Make both warnings errors in
# `pytest.ini` (do it in every async project) and the test that could never fail now fails.

# %%
with (workdir / "pytest.ini").open("a") as ini:
    ini.write("filterwarnings =\n"
              "    error::RuntimeWarning\n"
              "    error::pytest.PytestUnraisableExceptionWarning\n")

output, strict = pytest_run("test_agent_first_try.py", "-k", "not timing")  # skip the slow one
print(output[output.index("short test summary"):])
assert strict["test_answer"][0] == "failed", "still loud"
assert strict["test_survives_a_server_error"][0] == "failed", "no longer silent"

# %% [markdown]
# ## Virtual time with looptime
#
# The `looptime` plugin gives a test an event loop with a fake clock that starts at 0. When
# every task is waiting on a timer, the loop jumps straight to the next timer instead of
# waiting for it. `asyncio.sleep`, `asyncio.timeout` and `wait_for` all read that clock, so
# the agent's real code runs unchanged: mark a test `@pytest.mark.looptime` and a minute of
# backoff costs nothing. (It fakes only the loop's clock: `time.perf_counter()` stays real,
# which is how the test below measures what it saved.)
#
# The fixed test file also shows the fake LLM, the fake sleep, a timeout test and an async
# fixture: an `httpx.AsyncClient` wired straight to the FastAPI app, closed after each test.

# %%
# %%writefile {workdir}/test_agent.py
"""Tests for agent.py: no network, no real LLM, no real waiting."""
import asyncio
import time
from types import SimpleNamespace
from unittest.mock import AsyncMock

import httpx
import pytest

from agent import Agent, make_app
from course_utils.faults import BadRequestError, ServerError


class FakeLLM:
    """Replies instantly from a script: a string is an answer, an exception is raised."""

    def __init__(self, *script):
        self.script = list(script)
        self.prompts = []

    async def complete(self, prompt):
        self.prompts.append(prompt)
        step = self.script.pop(0)
        if isinstance(step, Exception):
            raise step
        return SimpleNamespace(text=step)


class HangingLLM:
    """A stuck connection: never answers."""

    async def complete(self, prompt):
        await asyncio.sleep(3600)


async def test_answers_with_a_fake_llm():
    llm = FakeLLM("Paris.")
    assert await Agent(llm).ask("Capital of France?") == "Paris."
    assert "Capital of France?" in llm.prompts[0]


async def test_retries_a_server_error():
    llm = AsyncMock()
    llm.complete.side_effect = [ServerError("503"), SimpleNamespace(text="42")]
    sleep = AsyncMock()                         # a fake sleep: records the wait, waits for nothing
    assert await Agent(llm, sleep=sleep).ask("Meaning of life?") == "42"
    assert llm.complete.await_count == 2
    sleep.assert_awaited_once_with(4.0)


async def test_does_not_retry_a_bad_request():
    llm = AsyncMock()
    llm.complete.side_effect = BadRequestError("prompt too long")
    with pytest.raises(BadRequestError):
        await Agent(llm, sleep=AsyncMock()).ask("?")
    llm.complete.assert_awaited_once()


@pytest.mark.looptime
async def test_backs_off_for_60_virtual_seconds():
    loop = asyncio.get_running_loop()
    llm = FakeLLM(*[ServerError("busy")] * 4, "finally")
    wall = time.perf_counter()
    assert await Agent(llm).ask("?") == "finally"     # the real asyncio.sleep: 4+8+16+32 s
    wall = time.perf_counter() - wall
    assert loop.time() == pytest.approx(60)
    assert wall < loop.time() / 100                    # a minute of backoff in milliseconds


@pytest.mark.looptime
async def test_times_out_a_hung_llm():
    loop = asyncio.get_running_loop()
    with pytest.raises(TimeoutError):
        await Agent(HangingLLM(), attempts=2, timeout=30).ask("?")
    assert loop.time() == pytest.approx(30 + 4 + 30)  # two timeouts and one backoff


@pytest.fixture
async def client():
    """An async fixture: an HTTP client wired straight to the app (no socket, no server)."""
    app = make_app(Agent(FakeLLM("Paris.")))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://agent.test") as client:
        yield client                           # the client closes after the test, on the loop


async def test_http_endpoint(client):
    response = await client.post("/ask", json={"question": "Capital of France?"})
    assert response.status_code == 200
    assert response.json() == {"answer": "Paris."}


# %%
output, fixed = pytest_run("test_agent.py")
print(output)
assert len(fixed) == 6 and all(outcome == "passed" for outcome, _ in fixed.values()), "all six pass"

# %% [markdown]
# Six green tests, and each one means something. How long did the minute of backoff take?

# %%
virtual = 4 + 8 + 16 + 32                                    # what the agent slept, in loop time
real = fixed["test_backs_off_for_60_virtual_seconds"][1]     # what the test took, setup included
shrunk = first_try["test_backoff_timing"][1]                 # the shrunk-delay real-clock test
print(f"looptime: {virtual} virtual s of backoff in {real * 1000:.0f} real ms "
      f"({virtual / max(real, 1e-3):,.0f}x faster than real time)")
print(f"real clock: delays shrunk 80x, still {shrunk:.2f} real s, and flaky")
assert real < virtual / 100, "at least 100x faster"
assert real < shrunk, "and faster than the shrunk version"

# %% [markdown]
# Both tricks keep the **production delays** in the test (4, 8, 16, 32 s; a 30-second
# timeout) instead of a shrunk copy. Inject a fake `sleep` to assert the exact delays; use
# looptime when the code uses `asyncio.sleep`/`timeout` inside and you want time to fly. It
# cannot fast-forward real I/O or threads, and `time.monotonic()` still reads real time.

# %% [markdown]
# ## Exercises
#
# 1. [`exercises/ex17_fake_llm.py`](../exercises/ex17_fake_llm.py): write `ScriptedLLM`, a fake
#    model that answers or fails from a script, records every prompt and waits on the loop's clock.
# 2. [`exercises/ex17_catch_the_bug.py`](../exercises/ex17_catch_the_bug.py): write the check
#    that passes the lesson's agent and catches five buggy ones, with a fake model and a fake sleep.

# %%
from course_utils import check, hint  # noqa: E402

check("ex17_fake_llm")

# %%
check("ex17_catch_the_bug")

# %% [markdown]
# ## Quiz

# %%
quiz("17")

# %% [markdown]
# ## Summary
# - Inject what you do not control (the LLM client, the sleep) and tests become fast and exact.
# - `asyncio_mode = "auto"` runs every `async def` test and fixture; in pytest-asyncio 1.x the
#   loop is `asyncio.get_running_loop()`, not an `event_loop` fixture, and each test gets a
#   fresh loop unless you widen its loop scope (do, for tests sharing a module-scoped fixture).
# - A forgotten `await` fails loudly when you compare the result, and silently when you only
#   check it is truthy: make "never awaited" an error in `filterwarnings`, and assert mocks with
#   `assert_awaited_*`, never `assert_called_*`.
# - Never assert on wall-clock time: `@pytest.mark.looptime` runs a minute of backoff or a
#   30-second timeout in milliseconds, with the production delays unchanged.
# - An async fixture (`yield` inside `async def`) sets up and tears down on the test's loop,
#   e.g. an `httpx.AsyncClient` on `ASGITransport` to test the HTTP endpoint without a server.

# %%
sys.path.remove(str(workdir))
shutil.rmtree(workdir, ignore_errors=True)
