"""Simulated slow tools an agent calls, async versions (introduced in lesson 02).

Each tool waits a realistic, seeded latency (course seconds) and returns deterministic data.
The blocking twins with the same names live in :mod:`course_utils.sync_tools`.

>>> from course_utils import tools
>>> await tools.get_grades(7)
{'math': 71, ...}

``crunch_numbers`` is the odd one out: real CPU work, which no amount of ``await`` speeds up
(lesson 02 and lesson 11).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable

from . import clock, records, tracing
from .config import settings
from .seeding import rng_for

#: Course seconds each tool takes before jitter. One table, so no lesson repeats a magic number.
LATENCY: dict[str, float] = {
    "get_grades": 0.3,
    "get_attendance": 0.3,
    "get_schedule": 0.3,
    "search_web": 0.5,
    "get_weather": 0.4,
    "read_document": 0.1,
}
JITTER = 0.1  # +/- fraction

_failure_rate = 0.0
_attempts: dict[tuple[str, Any], int] = {}


class ToolError(RuntimeError):
    """A tool failed transiently (a flaky API); trying again may work."""


def set_failure_rate(rate: float) -> None:
    """Make every tool fail with probability ``rate`` (seeded; a retry of the same call may pass)."""
    global _failure_rate
    if not 0.0 <= rate <= 1.0:
        raise ValueError(f"failure rate must be between 0 and 1, got {rate}")
    _failure_rate = rate
    _attempts.clear()


def latency_of(tool: str, arg: Any) -> float:
    """The course seconds ``tool(arg)`` takes: deterministic in the tool, its argument and the seed."""
    spread = rng_for("tool-latency", settings().seed, tool, arg).uniform(-JITTER, JITTER)
    return LATENCY[tool] * (1.0 + spread)


def _fails(tool: str, arg: Any) -> bool:
    if _failure_rate == 0.0:
        return False
    key = (tool, arg)
    attempt = _attempts.get(key, 0)
    _attempts[key] = attempt + 1
    return rng_for("tool-fail", settings().seed, tool, arg, attempt).random() < _failure_rate


@dataclass(frozen=True)
class _Tool:
    name: str
    compute: Callable[..., Any]

    def check(self, arg: Any) -> None:
        if _fails(self.name, arg):
            tracing.mark("error", f"{self.name} failed")
            raise ToolError(f"{self.name}({arg!r}) failed: the service returned an error, try again")


def _arg_key(args: tuple, kwargs: dict) -> Any:
    return args[0] if len(args) == 1 and not kwargs else (args, tuple(sorted(kwargs.items())))


_TOOLS = {
    "get_grades": _Tool("get_grades", records.grades),
    "get_attendance": _Tool("get_attendance", records.attendance),
    "get_schedule": _Tool("get_schedule", records.schedule),
    "search_web": _Tool("search_web", lambda query, results=3: records.search_results(query, results)),
    "get_weather": _Tool("get_weather", records.weather),
    "read_document": _Tool("read_document", lambda name: _document(name)),
}


def _document(name: str) -> str:
    try:
        return records.DOCUMENTS[name]
    except KeyError:
        raise FileNotFoundError(f"no document {name!r}; try one of {sorted(records.DOCUMENTS)}") from None


async def _call_async(name: str, *args: Any, **kwargs: Any) -> Any:
    tool = _TOOLS[name]
    result = tool.compute(*args, **kwargs)  # validate arguments before waiting, like a real API
    key = _arg_key(args, kwargs)
    await clock.sleep(latency_of(name, key))
    tool.check(key)
    return result


def _call_sync(name: str, *args: Any, **kwargs: Any) -> Any:
    tool = _TOOLS[name]
    result = tool.compute(*args, **kwargs)
    key = _arg_key(args, kwargs)
    with tracing.span(name):  # blocking code creates no task: a span gives it a timeline row
        clock.sleep_blocking(latency_of(name, key))
        tool.check(key)
    return result


async def get_grades(student_id: int) -> dict[str, int]:
    """Grades per course for one student, from the student-records database."""
    return await _call_async("get_grades", student_id)


async def get_attendance(student_id: int) -> dict[str, float]:
    """Sessions attended out of 100 for one student."""
    return await _call_async("get_attendance", student_id)


async def get_schedule(student_id: int) -> list[dict[str, str]]:
    """The student's three classes this week."""
    return await _call_async("get_schedule", student_id)


async def search_web(query: str, results: int = 3) -> list[dict[str, str]]:
    """Simulated web search: titles, URLs and snippets (no network is touched)."""
    return await _call_async("search_web", query, results=results)


async def get_weather(city: str) -> dict[str, object]:
    """A weather API call for ``city``."""
    return await _call_async("get_weather", city)


async def read_document(name: str) -> str:
    """Read one of the shelf's documents (see ``list_documents()``)."""
    return await _call_async("read_document", name)


def list_documents() -> list[str]:
    return sorted(records.DOCUMENTS)


# --- CPU-bound work ---------------------------------------------------------------------------

_ops_per_real_second: float | None = None


def _spin(units: int) -> int:
    # Pure-Python arithmetic: holds the GIL the whole time, as real CPU-bound code does.
    total = 0
    for i in range(units):
        total = (total * 31 + i) % 1_000_003
    return total


def _calibrate() -> float:
    global _ops_per_real_second
    if _ops_per_real_second is None:
        best = float("inf")
        # Short on purpose: the first crunch_numbers() call pays for this, inside its caller's timing.
        for _ in range(3):
            t0 = time.perf_counter()
            _spin(20_000)
            best = min(best, time.perf_counter() - t0)
        _ops_per_real_second = 20_000 / best
    return _ops_per_real_second


def work_units_for(course_seconds: float) -> int:
    """How many loop iterations take about ``course_seconds`` of CPU on this machine."""
    return max(1, int(_calibrate() * clock.to_real(course_seconds)))


def crunch_numbers(course_seconds: float = 0.5, *, units: int | None = None) -> int:
    """Burn CPU for about ``course_seconds`` (a fixed amount of work, calibrated once).

    Deterministic result for a given ``units``. Runs in any process, so a process pool can
    spread it across cores, while ``await``, threads and ``gather`` cannot speed it up.
    """
    return _spin(units if units is not None else work_units_for(course_seconds))
