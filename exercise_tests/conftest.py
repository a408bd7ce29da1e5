"""The course-owned conftest for exercise tests (the only conftest a sandbox run ever uses).

* ``ex``: a fresh import of the learner's module, named by the test module's ``EXERCISE`` (or its
  file name), from ``COURSE_EXERCISES_DIR`` (default ``exercises/``).
* Async tests run on a fast-forwarded clock (looptime): a 30-second scenario takes milliseconds,
  and timing assertions are exact. Mark a test ``@pytest.mark.real_time`` to opt out.
* Course time is the loop's time here: ``COURSE_TIME_SCALE`` is 1 in every exercise test process
  (whatever the caller set), so a learner's plain ``asyncio.sleep(2)`` / ``asyncio.timeout(2)``
  and the course's simulated tools measure the same seconds, under ``check()`` and the grader
  alike; looptime makes those seconds virtual. ``course_utils.clock.now()`` reads the loop's clock.
* ``time.sleep`` inside a running event loop raises :class:`_helpers.BlockingCallError`, so a
  blocking call fails the test with a message that says so. Mark ``@pytest.mark.allow_blocking``
  to opt out (e.g. a test that blocks on purpose).
"""

from __future__ import annotations

import asyncio
import inspect
import os
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
# Before anything reads the scale: learners write plain asyncio in seconds, and so do the tests.
os.environ["COURSE_TIME_SCALE"] = "1"

from _helpers import BlockingCallError, blocking_message  # noqa: E402

from course_utils import clock  # noqa: E402
from course_utils.exercises import ExerciseImportError, exercise_of_test_file, load  # noqa: E402

#: Seconds (virtual) after which the fast-forwarded clock gives up ("your code never finished").
VIRTUAL_END = 600.0
#: Real seconds a fast-forwarded test may sit with nothing scheduled before it is failed.
IDLE_LIMIT = 2.0
NOOP_CYCLES = 5

_failed_imports: dict[tuple[str, int, int], str] = {}
_real_sleep = time.sleep


def _fix_looptime_idle_timeout() -> None:
    """looptime 0.9 drops the idle time-out when an end-of-time is also set; restore it.

    Without this, code awaiting something that can never happen (nothing scheduled at all) sits
    until the end of time in *real* seconds. Best effort: if looptime changes, the per-test real
    time limit still catches such a hang.
    """
    try:
        from looptime._internal.loops import LoopTimeEventLoop
    except ImportError:
        return
    original = getattr(LoopTimeEventLoop, "_LoopTimeEventLoop__sync", None)
    if original is None or getattr(original, "_course_fixed", False):
        return

    def sync(self, timeout, step=None, end=None):  # type: ignore[no-untyped-def]
        real_timeout, real_step, overtime = original(self, timeout, step, end)
        now = getattr(self, "_LoopTimeEventLoop__now", None)
        if end is not None and not overtime and isinstance(now, int) and now + real_step >= end:
            overtime = True
        return real_timeout, real_step, overtime

    sync._course_fixed = True  # type: ignore[attr-defined]
    setattr(LoopTimeEventLoop, "_LoopTimeEventLoop__sync", sync)


_fix_looptime_idle_timeout()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "real_time: run this test on the real (scaled) clock")
    config.addinivalue_line("markers", "allow_blocking: let time.sleep run inside the event loop")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        func = getattr(item, "function", None)
        if func is None or not inspect.iscoroutinefunction(func):
            continue
        if item.get_closest_marker("real_time") or item.get_closest_marker("looptime"):
            continue
        # idle_*: when nothing is scheduled at all, the clock follows real time in small steps and
        # gives up after IDLE_LIMIT real seconds (code awaiting something that can never happen).
        # noop_cycles: idle loop rounds before each jump of the clock (looptime's default, 42, is
        # meant for I/O-heavy code; pure asyncio needs one or two, and it halves the run time).
        item.add_marker(pytest.mark.looptime(end=VIRTUAL_END, idle_step=0.05,
                                             idle_timeout=IDLE_LIMIT, noop_cycles=NOOP_CYCLES))


def _exercise_name(request: pytest.FixtureRequest) -> str:
    name = getattr(request.module, "EXERCISE", None)
    if name:
        return name
    guess = exercise_of_test_file(Path(str(request.path)).name)
    if not guess:
        raise RuntimeError(f"{request.path}: set EXERCISE = 'exNN_slug' in the test module")
    return guess


@pytest.fixture
def ex(request: pytest.FixtureRequest):
    """The learner's exercise module, freshly imported for this test."""
    name = _exercise_name(request)
    folder = Path(os.environ.get("COURSE_EXERCISES_DIR") or Path(__file__).resolve().parent.parent / "exercises")
    path = folder / f"{name}.py"
    try:
        stat = path.stat()
        key = (str(path), stat.st_mtime_ns, stat.st_size)
    except OSError:
        key = None
    if key is not None and key in _failed_imports:
        raise ExerciseImportError(_failed_imports[key])
    try:
        return load(name, folder)
    except ExerciseImportError as error:
        if key is not None:
            _failed_imports[key] = str(error)
        raise
    except SystemExit:  # the time limit hit while importing: do not try this file again
        if key is not None:
            _failed_imports[key] = (f"importing {name}.py took too long earlier (an endless loop or a "
                                    f"blocking call at module level?)")
        raise


def _looptime_on(request: pytest.FixtureRequest) -> bool:
    return request.node.get_closest_marker("looptime") is not None and \
        request.config.getoption("looptime", None) is not False


@pytest.fixture(autouse=True)
def _course_clock(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch):
    """On the fast-forwarded clock, course time is the loop's time: keep clock.now() in step."""
    if _looptime_on(request):
        def now() -> float:
            loop = asyncio._get_running_loop()
            seconds = loop.time() if loop is not None else time.perf_counter()
            return seconds / clock.time_scale()

        monkeypatch.setattr(clock, "now", now)

        # On a real machine any positive sleep lets the clock move on by at least a microsecond;
        # on the fast-forwarded clock `now + 1e-17 == now`, and a loop that sleeps away a
        # rounding error (a token bucket waiting for 0.9999999999 -> 1) would spin forever.
        real_sleep = asyncio.sleep

        async def sleep(delay: float, result=None):
            if 0 < delay < 1e-6:
                delay = 1e-6
            return await real_sleep(delay, result)

        monkeypatch.setattr(asyncio, "sleep", sleep)
    yield


@pytest.fixture(autouse=True)
def _no_blocking(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch):
    """time.sleep while an event loop runs on this thread freezes every task: fail loudly."""
    if request.node.get_closest_marker("allow_blocking"):
        yield
        return
    caught: list[str] = []

    def guarded_sleep(seconds: float) -> None:
        if asyncio._get_running_loop() is not None:
            message = blocking_message()
            caught.append(message)
            raise BlockingCallError(message)
        _real_sleep(seconds)

    monkeypatch.setattr(time, "sleep", guarded_sleep)
    yield
    if caught:
        raise BlockingCallError(caught[0])
