"""The pytest plugin inside a sandbox run (see :mod:`course_utils.sandbox`).

It writes one JSON object per line to the results file: the collected tests (before any learner
code runs), each test's start, and each test's outcome with a teaching message. It also gives
every test a real-time limit (SIGALRM), so an infinite loop or a blocking call fails that test
with a clear message instead of hanging the run, and skips the rest of an exercise once one of
its tests ran out of time. Results cross the process boundary as JSON only.
"""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path
from typing import Any

import pytest

from .feedback import _leaf  # noqa: F401  (used by _priority)
from .feedback import message_for

#: Set by ``course_utils.sandbox`` (child side) before pytest starts.
CONFIG: dict[str, Any] = {}

_out = None
_current_exercise: str | None = None
_timed_out: dict[str, str] = {}
_reports: dict[str, list[tuple[str, str, str | None, float]]] = {}


class TestTimeLimit(SystemExit):
    """Raised by the per-test alarm. A SystemExit subclass, so ``except Exception`` in learner
    code cannot swallow it and asyncio lets it out of the event loop at once."""

    __test__ = False

    def __init__(self, seconds: float, where: str) -> None:
        super().__init__(f"time limit of {seconds:g} s reached")
        self.seconds = seconds
        self.where = where


def _emit(event: dict[str, Any]) -> None:
    global _out
    if _out is None:
        path = CONFIG.get("results")
        if not path:
            return
        _out = open(path, "a", encoding="utf-8", buffering=1)
    try:
        _out.write(json.dumps(event) + "\n")
        _out.flush()
    except (OSError, ValueError):  # a full disk or a closed file must not crash the run
        pass


def _exercise_of(item: pytest.Item) -> str:
    names = CONFIG.get("exercises") or []
    stem = Path(str(item.path)).stem
    if stem.startswith("test_"):
        stem = stem[5:]
    best = ""
    for name in names:
        if (stem == name or stem.startswith(name + "_")) and len(name) > len(best):
            best = name
    return best or stem


def _doc(item: pytest.Item) -> str:
    func = getattr(item, "function", None)
    doc = (getattr(func, "__doc__", None) or "").strip()
    return " ".join(doc.split("\n\n")[0].split())


def _name(item: pytest.Item) -> str:
    hidden = "hidden" in Path(str(item.path)).parts[-2:-1]
    return ("hidden: " if hidden else "") + item.name


# ----------------------------------------------------------------------------- collection


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    _emit({"event": "collected", "tests": [
        {"nodeid": it.nodeid, "exercise": _exercise_of(it), "name": _name(it), "doc": _doc(it)}
        for it in items]})
    skip = set(CONFIG.get("skip_nodeids") or ())
    if skip:
        keep = [it for it in items if it.nodeid not in skip]
        gone = [it for it in items if it.nodeid in skip]
        items[:] = keep
        config.hook.pytest_deselected(items=gone)


# ----------------------------------------------------------------------------- time limit


def _where(frame: Any) -> str:
    """The innermost line of the learner's exercise code that was running, if any."""
    folder = CONFIG.get("exercises_dir") or ""
    while frame is not None:
        filename = frame.f_code.co_filename
        if folder and filename.startswith(folder):
            try:
                import linecache

                text = linecache.getline(filename, frame.f_lineno).strip()
            except Exception:
                text = ""
            snippet = f": `{text[:80]}`" if text else ""
            return f"{Path(filename).name} line {frame.f_lineno}{snippet}"
        frame = frame.f_back
    return ""


def _arm(seconds: float) -> None:
    if not hasattr(signal, "setitimer") or seconds <= 0:
        return

    def on_alarm(signum: int, frame: Any) -> None:
        raise TestTimeLimit(seconds, _where(frame))

    signal.signal(signal.SIGALRM, on_alarm)
    # Fire again every half second: a loop that swallows the first one still gets stopped.
    signal.setitimer(signal.ITIMER_REAL, seconds, 0.5)


def _disarm() -> None:
    if hasattr(signal, "setitimer"):
        signal.setitimer(signal.ITIMER_REAL, 0, 0)
        signal.signal(signal.SIGALRM, signal.SIG_IGN)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Any:
    global _current_exercise
    _current_exercise = _exercise_of(item)
    _emit({"event": "start", "nodeid": item.nodeid})
    _reports[item.nodeid] = []
    _arm(float(CONFIG.get("test_timeout") or 0))
    started = time.perf_counter()
    try:
        return (yield)
    finally:
        _disarm()
        _finish(item, time.perf_counter() - started)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    exercise = _exercise_of(item)
    reason = (CONFIG.get("skip_exercises") or {}).get(exercise) or _timed_out.get(exercise)
    if reason:
        pytest.skip(f"COURSE-NOT-RUN: {reason}")


# ----------------------------------------------------------------------------- messages


def _priority(exc: BaseException) -> bool:
    leaf = _leaf(exc)
    return isinstance(exc, TestTimeLimit) or bool(getattr(leaf, "course_priority", False))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    entries = _reports.setdefault(item.nodeid, [])
    message: str | None = None
    outcome = report.outcome
    priority = False
    if call.excinfo is not None:
        exc = call.excinfo.value
        if report.skipped:
            text = str(getattr(exc, "msg", "") or exc)
            if "COURSE-NOT-RUN: " in text:
                outcome, message = "failed", text.split("COURSE-NOT-RUN: ", 1)[1]
            else:
                message = f"skipped: {text}"
        else:
            outcome = "failed"
            try:
                message = message_for(exc, _doc(item))
                priority = _priority(exc)
            except BaseException:  # a learner's exception whose __str__ misbehaves
                message = f"Your code raised {type(exc).__name__} (its message could not be shown)."
            if isinstance(exc, TestTimeLimit) and _current_exercise:
                _timed_out.setdefault(_current_exercise,
                                      "not run: an earlier test of this exercise ran out of time")
    entries.append((call.when, outcome, message, 1.0 if priority else 0.0))
    return report


def _finish(item: pytest.Item, duration: float) -> None:
    entries = _reports.pop(item.nodeid, [])
    failed = [e for e in entries if e[1] == "failed"]
    skipped = [e for e in entries if e[1] == "skipped"]
    if failed:
        chosen = max(failed, key=lambda e: e[3])  # a priority message (blocked loop, time limit) wins
        outcome, message = "failed", chosen[2]
    elif skipped:
        outcome, message = "skipped", skipped[0][2]
    elif entries:
        outcome, message = "passed", None
    else:
        outcome, message = "failed", "the test did not run"
    _emit({"event": "report", "nodeid": item.nodeid, "outcome": outcome,
           "message": message or "", "duration": round(duration, 4)})


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    _emit({"event": "finish", "exitstatus": int(exitstatus)})
    if _out is not None:
        try:
            _out.flush()
        except OSError:
            pass


__all__ = ["CONFIG", "TestTimeLimit", "message_for"]
