"""Tests for ex02_student_report: three tools per student, many students, all at once."""

from __future__ import annotations

import pytest
from _helpers import Probe, Timer, expect_raises

from course_utils import records, tools

EXERCISE = "ex02_student_report"
TOOL_NAMES = ("get_grades", "get_attendance", "get_schedule")


@pytest.fixture
def probe(monkeypatch):
    """Count the tool calls in flight (patched before the learner's module is imported)."""
    probe = Probe()
    for name in TOOL_NAMES:
        monkeypatch.setattr(tools, name, probe.wrap(getattr(tools, name), name))
    return probe


def expected(student_id: int) -> dict:
    return {"id": student_id, "grades": records.grades(student_id),
            "attendance": records.attendance(student_id), "schedule": records.schedule(student_id)}


def slowest(ids) -> float:
    return max(tools.latency_of(name, i) for name in TOOL_NAMES for i in ids)


async def test_student_report_content(probe, ex):
    """student_report returns the id, grades, attendance and schedule of the student."""
    report = await ex.student_report(7)
    assert isinstance(report, dict), f"student_report should return a dict, got {type(report).__name__}."
    assert report == expected(7), ("The report does not hold the right data: it needs the keys 'id', "
                                   "'grades', 'attendance' and 'schedule', each with what the tool returned.")


async def test_student_report_calls_tools_concurrently(probe, ex):
    """The three tool calls for one student overlap instead of running one after the other."""
    with Timer() as t:
        await ex.student_report(7)
    assert probe.peak == 3, (f"At most {probe.peak} tool call(s) were running at the same time; all three "
                             f"should be in flight together. Are you awaiting each call before starting the next?")
    assert t.elapsed <= 1.3 * slowest([7]), (
        f"One report took {t.elapsed:.2f} s; the slowest tool takes {slowest([7]):.2f}. "
        f"The calls should run at the same time.")


async def test_class_report_is_concurrent_and_ordered(probe, ex):
    """class_report fetches all students at once and keeps the order of the ids."""
    ids = [12, 3, 250, 41, 7, 99, 5, 18, 300, 2]
    with Timer() as t:
        reports = await ex.class_report(ids)
    assert isinstance(reports, list), f"class_report should return a list, got {type(reports).__name__}."
    assert [r.get("id") if isinstance(r, dict) else None for r in reports] == ids, (
        "The reports are not in the order of student_ids. asyncio.gather keeps the order you give it.")
    assert reports == [expected(i) for i in ids], "Some reports hold the wrong data."
    ideal = slowest(ids)
    if probe.peak < 3 * len(ids):
        if probe.peak <= 3:
            why = ("the students were handled one after the other: start every student's report "
                   "before awaiting any of them")
        elif probe.peak <= len(ids):
            why = ("the students ran at the same time, but each student's own three tool calls ran "
                   "one after the other: student_report must start all three before awaiting them")
        else:
            why = "some calls waited for others they do not depend on"
        raise AssertionError(f"Ten reports took {t.elapsed:.2f} s (all at once: about {ideal:.2f}); at most "
                             f"{probe.peak} of the {3 * len(ids)} tool calls were in flight together: {why}.")
    assert t.elapsed <= 1.5 * ideal, (
        f"Ten reports took {t.elapsed:.2f} s; all at once they take about {ideal:.2f}.")


async def test_class_report_passes_errors_on(probe, ex):
    """An error from a tool (an unknown student id) reaches the caller instead of vanishing."""
    reports = None

    async def run():
        nonlocal reports
        reports = await ex.class_report([1, 2, 0])

    with expect_raises(records.UnknownStudent, "an UnknownStudent error for the unknown student id 0 "
                       "(asyncio.gather passes the first error on unless you ask it not to)"):
        await run()
