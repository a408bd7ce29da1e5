"""Measuring tools for exercise tests: probes, fake models, timers, leftover-task checks.

Everything here measures in seconds on the running loop's clock, which the conftest
fast-forwards, so timings are exact and tests take milliseconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, AsyncIterator, Awaitable, Callable

from course_utils import clock
from course_utils.faults import LLMError
from course_utils.llm import Completion, SimulatedLLM
from course_utils.ratelimit import RateLimits


class BlockingCallError(RuntimeError):
    """time.sleep ran on the event loop's thread while the loop was running."""

    course_priority = True  # this message wins over whatever else failed afterwards

    @property
    def course_message(self) -> str:
        return str(self)


def _exercises_dir() -> str:
    return str(Path(os.environ.get("COURSE_EXERCISES_DIR") or "exercises").resolve())


def blocking_message() -> str:
    folder = _exercises_dir()
    where, via = "", ""
    for frame in traceback.extract_stack():
        name = Path(frame.filename).name
        if frame.filename.startswith(folder):
            where = f" ({name} line {frame.lineno}: `{(frame.line or '').strip()[:80]}`)"
        if name == "sync_tools.py":
            via = " It came from course_utils.sync_tools: use the async twin in course_utils.tools, with await."
        elif name == "llm.py" and frame.name in ("complete", "stream") and not via:
            via = " It came from a blocking LLM client: use the async SimulatedLLM, with await."
    return (f"Your code blocked the event loop: time.sleep ran inside async code{where}, so no other "
            f"task could run meanwhile.{via or ' Use await asyncio.sleep(...) to wait without blocking.'}")


def now() -> float:
    """Seconds on the running loop's clock (course time: the scale is 1 in exercise tests)."""
    return asyncio.get_running_loop().time()


class Timer:
    """``with Timer() as t: ...`` then ``t.elapsed`` in seconds (loop clock)."""

    def __enter__(self) -> "Timer":
        self.start = now()
        self.end: float | None = None
        return self

    def __exit__(self, *exc: object) -> None:
        self.end = now()

    @property
    def elapsed(self) -> float:
        return (self.end if self.end is not None else now()) - self.start


@dataclass
class Probe:
    """Counts how many tracked calls are in flight at once and when each ran."""

    active: int = 0
    peak: int = 0
    calls: list[tuple[str, float, float]] = field(default_factory=list)
    started: list[tuple[str, float]] = field(default_factory=list)
    cancelled: int = 0

    @contextlib.asynccontextmanager
    async def track(self, label: str = "") -> AsyncIterator[None]:
        self.active += 1
        self.peak = max(self.peak, self.active)
        start = now()
        self.started.append((label, start))
        try:
            yield
        except asyncio.CancelledError:
            self.cancelled += 1
            raise
        finally:
            self.active -= 1
            self.calls.append((label, start, now()))

    def wrap(self, fn: Callable[..., Awaitable[Any]], label: str | None = None) -> Callable[..., Awaitable[Any]]:
        async def wrapper(*args: Any, **kwargs: Any) -> Any:
            async with self.track(label or getattr(fn, "__name__", "call")):
                return await fn(*args, **kwargs)

        wrapper.__name__ = getattr(fn, "__name__", "wrapper")
        return wrapper


class InstrumentedLLM(SimulatedLLM):
    """A SimulatedLLM that remembers each prompt and how many calls overlapped."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.probe = Probe()
        self.prompts: list[Any] = []
        self.answers: list[Completion] = []
        self.by_prompt: dict[str, Completion] = {}

    async def complete(self, prompt: Any, **kwargs: Any) -> Completion:  # type: ignore[override]
        self.prompts.append(prompt)
        async with self.probe.track(str(prompt)[:40]):
            answer = await super().complete(prompt, **kwargs)
        self.answers.append(answer)
        self.by_prompt[str(prompt)] = answer
        return answer


class FakeLLM:
    """A model with scripted behaviour: answers after ``latency`` seconds, or fails, or hangs.

    ``errors`` is a list consumed one per call: an exception instance to raise (after
    ``error_latency``), or None for a normal answer. ``hang=True`` never answers. ``latency``
    may be a function of the prompt.
    """

    def __init__(self, name: str = "fake", *, latency: float | Callable[[Any], float] = 1.0,
                 text: str | None = None,
                 errors: list[BaseException | None] | None = None, hang: bool = False,
                 error_latency: float = 0.1) -> None:
        self.name = name
        self.latency = latency
        self.text = text if text is not None else f"answer from {name}"
        self.errors = list(errors or [])
        self.hang = hang
        self.error_latency = error_latency
        self.probe = Probe()
        self.call_times: list[float] = []
        self.finished = 0

    @property
    def calls(self) -> int:
        return len(self.call_times)

    @property
    def cancelled(self) -> int:
        return self.probe.cancelled

    async def complete(self, prompt: Any, **kwargs: Any) -> Completion:
        self.call_times.append(now())
        async with self.probe.track(self.name):
            error = self.errors.pop(0) if self.errors else None
            if error is not None:
                await asyncio.sleep(self.error_latency)
                raise error
            if self.hang:
                await asyncio.Event().wait()
            latency = self.latency(prompt) if callable(self.latency) else self.latency
            await asyncio.sleep(latency)
            self.finished += 1
            return Completion(text=self.text, model=self.name, prompt_tokens=len(str(prompt).split()),
                              completion_tokens=len(self.text.split()),
                              request_id=f"{self.name}-{self.calls}", latency=latency)


def virtual_limits(**kwargs: Any) -> RateLimits:
    """RateLimits on the test's clock (RateLimits' default clock is bound at import time)."""
    return RateLimits(clock_fn=lambda: clock.now(), **kwargs)


async def leftover_tasks() -> list[asyncio.Task[Any]]:
    """Tasks still running besides the test itself, after giving cancellations a moment to land."""
    for _ in range(5):
        await asyncio.sleep(0)
    me = asyncio.current_task()
    return [t for t in asyncio.all_tasks() if t is not me and not t.done()]


def describe(tasks: list[asyncio.Task[Any]]) -> str:
    names = []
    for task in tasks[:5]:
        coro = task.get_coro()
        names.append(getattr(coro, "__qualname__", None) or task.get_name())
    more = f" and {len(tasks) - 5} more" if len(tasks) > 5 else ""
    return ", ".join(names) + more


async def assert_no_leftovers(what: str = "your function") -> None:
    tasks = await leftover_tasks()
    for task in tasks:  # do not let them run into the next test
        task.cancel()
    assert not tasks, (f"{what} returned but left {len(tasks)} task(s) still running "
                       f"({describe(tasks)}). Cancel or finish every task you start before returning.")


def is_llm_error(exc: BaseException) -> bool:
    return isinstance(exc, LLMError)


class _Raised:
    """What ``expect_raises`` caught: ``.value`` is the exception."""

    value: BaseException | None = None


@contextlib.contextmanager
def expect_raises(kind: type[BaseException] | tuple[type[BaseException], ...], expected: str,
                  *, returned: Callable[[], Any] | None = None) -> Any:
    """Like ``pytest.raises`` but, when nothing is raised, the learner reads a sentence:
    "Expected <expected>, but your code returned normally." ``returned`` may give what was returned."""
    caught = _Raised()
    try:
        yield caught
    except kind as error:
        caught.value = error
        return
    value = ""
    if returned is not None:
        try:
            value = f" (it returned {returned()!r})"
        except Exception:
            value = ""
    raise AssertionError(f"Expected {expected}, but your code returned normally{value}.")
