"""Lesson 02 (Why async) · A student report from three tools at once.

An agent preparing a class meeting needs, for every student, their grades, attendance and
schedule. Each comes from a different slow tool in ``course_utils.tools`` and none of them
depends on another, so there is no reason to wait for them one after the other.

Your task
---------
1. ``student_report(student_id)`` calls ``tools.get_grades``, ``tools.get_attendance`` and
   ``tools.get_schedule`` for one student *at the same time* and returns
   ``{"id": student_id, "grades": ..., "attendance": ..., "schedule": ...}``.
2. ``class_report(student_ids)`` builds the reports of all the students at the same time and
   returns them in the same order as ``student_ids``. If a tool fails (for example, an unknown
   student id), the error must reach the caller.

Done right, a report for 20 students takes about as long as the slowest single tool call
(~0.33 seconds), not 60 calls in a row (~18 seconds).
"""

from __future__ import annotations

import asyncio

from course_utils import tools


async def student_report(student_id: int) -> dict:
    """Grades, attendance and schedule of one student, fetched concurrently."""
    # BEGIN SOLUTION
    grades, attendance, schedule = await asyncio.gather(
        tools.get_grades(student_id),
        tools.get_attendance(student_id),
        tools.get_schedule(student_id),
    )
    return {"id": student_id, "grades": grades, "attendance": attendance, "schedule": schedule}
    # END SOLUTION


async def class_report(student_ids: list[int]) -> list[dict]:
    """One report per student, all fetched concurrently, in the order of ``student_ids``."""
    # BEGIN SOLUTION
    return list(await asyncio.gather(*(student_report(i) for i in student_ids)))
    # END SOLUTION
