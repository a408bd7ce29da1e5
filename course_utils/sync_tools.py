"""The blocking twins of :mod:`course_utils.tools`: same data, same latencies, ``time.sleep``.

Lesson 02 runs these one after another to show what waiting costs; lesson 11 shows what happens
when one of them is called from inside ``async def`` (everything stops).
"""

from __future__ import annotations

from .tools import ToolError, _call_sync, crunch_numbers, list_documents, set_failure_rate

__all__ = ["get_grades", "get_attendance", "get_schedule", "search_web", "get_weather",
           "read_document", "list_documents", "crunch_numbers", "set_failure_rate", "ToolError"]


def get_grades(student_id: int) -> dict[str, int]:
    """Grades per course for one student (blocks for the tool's latency)."""
    return _call_sync("get_grades", student_id)


def get_attendance(student_id: int) -> dict[str, float]:
    """Sessions attended out of 100 (blocking)."""
    return _call_sync("get_attendance", student_id)


def get_schedule(student_id: int) -> list[dict[str, str]]:
    """The student's three classes this week (blocking)."""
    return _call_sync("get_schedule", student_id)


def search_web(query: str, results: int = 3) -> list[dict[str, str]]:
    """Simulated web search (blocking)."""
    return _call_sync("search_web", query, results=results)


def get_weather(city: str) -> dict[str, object]:
    """A weather API call (blocking)."""
    return _call_sync("get_weather", city)


def read_document(name: str) -> str:
    """Read one of the shelf's documents (blocking)."""
    return _call_sync("read_document", name)
