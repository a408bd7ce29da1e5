"""Feedback in plain words: turn whatever stopped a check into a sentence a learner can act on.

``message_for(exc, doc)`` is called for every failed check (by the sandbox's pytest plugin, for
``check()`` and the grader alike). It never quotes the solution and never lets test-runner
jargon through ("DID NOT RAISE", "assert x == y", "Failed:", tracebacks): the learner sees what
was expected and what their code did, and the line of their file where it happened.
"""

from __future__ import annotations

import errno
import os
import re
import traceback
from pathlib import Path

MAX_MESSAGE = 700

#: Words that belong to the test runner, not to the learner's world. A message never contains them.
JARGON = ("DID NOT RAISE", "AssertionError", "assert ", "Failed:", "Traceback", "pytest", "conftest",
          "_helpers", "<class '")

_DID_NOT_RAISE = re.compile(r"DID NOT RAISE\s+(?:<class '([\w.]+)'>|([\w.]+)|\(([^)]*)\))")


def _config() -> dict:
    try:  # the sandbox's plugin knows the run's settings; outside a sandbox, use the environment
        from .sandbox_plugin import CONFIG

        return CONFIG
    except Exception:
        return {}


def _exercises_dir() -> str:
    folder = _config().get("exercises_dir") or os.environ.get("COURSE_EXERCISES_DIR") or ""
    return str(Path(folder).resolve()) if folder else ""


def _leaf(exc: BaseException) -> BaseException:
    """The first real exception inside (nested) exception groups."""
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    return exc


def _location(exc: BaseException) -> str:
    """`` (ex07_rate_limit.py line 12, in fetch_all)``: the innermost line of the learner's file."""
    folder = _exercises_dir()
    found = ""
    for frame in traceback.extract_tb(exc.__traceback__):
        if folder and str(Path(frame.filename).resolve()).startswith(folder):
            found = f" ({Path(frame.filename).name} line {frame.lineno}, in {frame.name})"
    return found


def _raised_in_learner_file(exc: BaseException) -> bool:
    """Was ``exc`` raised by a line of the learner's own file (their own ``assert``)?"""
    frames = traceback.extract_tb(exc.__traceback__)
    folder = _exercises_dir()
    return bool(frames and folder and str(Path(frames[-1].filename).resolve()).startswith(folder))


def _clip(text: str, limit: int = MAX_MESSAGE) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _article(word: str) -> str:
    return "an" if word[:1].lower() in "aeiou" else "a"


def _short(name: str) -> str:
    return name.rsplit(".", 1)[-1]


def _did_not_raise(text: str) -> str | None:
    match = _DID_NOT_RAISE.search(text)
    if not match:
        return None
    raw = match.group(1) or match.group(2) or match.group(3) or "error"
    names = [_short(n) for n in re.findall(r"[\w.]+", raw) if n != "class"]
    kinds = " or ".join(names) or "error"
    return (f"Expected {_article(kinds)} {kinds} to be raised here, but your code returned normally "
            f"instead. Let the error reach the caller (do not catch it, or re-raise it).")


def _assertion_text(text: str) -> str:
    """The author's sentence from an assertion message, without pytest's ``assert ...`` explanation."""
    if text.startswith("assert "):
        return ""
    return text.split("\nassert ")[0].strip()


def plain(text: str) -> str:
    """Last line of defence: drop runner-speak that slipped into a message."""
    out = _did_not_raise(text) or text
    out = re.sub(r"^Failed:\s*", "", out)
    out = re.sub(r"<class '([\w.]+)'>", lambda m: _short(m.group(1)), out)
    lines = [ln for ln in out.splitlines() if not ln.lstrip().startswith(("assert ", "+  where", "where "))]
    return " ".join(" ".join(lines).split())


def message_for(exc: BaseException, doc: str = "") -> str:
    """Turn a failure into a sentence for a learner (never the solution, never runner jargon)."""
    kind_of_exc = type(exc).__name__
    if kind_of_exc == "TestTimeLimit":
        seconds = getattr(exc, "seconds", 0.0)
        where = getattr(exc, "where", "")
        return (f"Your code took longer than {seconds:g} s (real time) — an infinite loop, or a "
                f"blocking call like time.sleep inside async def?{f' It was still running {where}.' if where else ''}")
    leaf = _leaf(exc)
    kind = type(leaf).__name__
    if getattr(leaf, "course_message", None):
        return _clip(plain(str(leaf.course_message)))
    if kind == "LoopTimeoutError":
        return ("The test's fast-forwarded clock ran for a very long time and your code had still not "
                "finished: is something waiting forever (a queue nobody fills, a worker that never "
                "stops, a task that is never cancelled or awaited)?")
    if kind == "IdleTimeoutError":
        return ("Your code is waiting for something that can never happen: nothing else was running "
                "and nothing was scheduled (an Event nobody sets, a queue nobody fills, a task that "
                "is never finished or cancelled?).")
    if kind == "Failed":  # pytest.raises / pytest.fail
        text = str(getattr(leaf, "msg", "") or leaf)
        return _clip(plain(text) or (f"This check failed: {doc}" if doc else "This check failed."))
    if isinstance(leaf, AssertionError) and _raised_in_learner_file(leaf):
        text = plain(str(leaf))
        return _clip(f"An `assert` in your code failed{_location(leaf)}{': ' + text if text else ''}. "
                     f"Check what it expects against what this check does: {doc or 'see its description'}")
    if isinstance(leaf, AssertionError):
        text = _assertion_text(str(leaf))
        if text:
            return _clip(plain(text))
        return _clip(f"This check failed: {doc}" if doc else "This check failed.")
    if isinstance(leaf, NotImplementedError) and "is not written yet" in str(leaf):
        return _clip(str(leaf))
    if kind in ("ExerciseMissing", "ExerciseImportError"):
        return _clip(str(leaf))
    if isinstance(leaf, MemoryError):
        limit = _config().get("memory_mb")
        cap = f" (the limit is {limit} MB)" if limit else ""
        return f"Your code ran out of memory{cap}{_location(leaf)}: is something growing without end?"
    if isinstance(leaf, OSError) and leaf.errno == errno.EFBIG:
        return ("Your code wrote too much output (printing in a loop?); the output limit was reached"
                f"{_location(leaf)}.")
    if isinstance(leaf, RecursionError):
        return f"Your code recursed too deeply (a function calling itself without end?){_location(leaf)}."
    if type(leaf) is SystemExit:
        return f"Your code called sys.exit(){_location(leaf)}; a function should return or raise instead."
    if kind == "CancelledError":
        return _clip("A CancelledError reached the check: a call was cancelled that should have "
                     "finished, or a cancellation escaped where a result was expected"
                     f"{_location(leaf)}. Cancel only what you started, and shield what others share.")
    text = plain(str(leaf))
    detail = f": {text}" if text else ""
    inside = " (inside an ExceptionGroup)" if leaf is not exc else ""
    return _clip(f"Your code raised {kind}{detail}{inside}{_location(leaf)}.")


__all__ = ["JARGON", "MAX_MESSAGE", "message_for", "plain"]
