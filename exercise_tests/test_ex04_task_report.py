"""Tests for ex04_task_report: named tasks, a deadline, and a report of how each ended."""

from __future__ import annotations

import asyncio

from _helpers import Timer, assert_no_leftovers


EXERCISE = "ex04_task_report"


async def after(course_seconds: float, value=None, error: Exception | None = None):
    await asyncio.sleep(course_seconds)
    if error is not None:
        raise error
    return value


async def test_reports_every_kind_of_ending(ex):
    """Results, errors and cancellations are each reported in the agreed format, in job order."""
    jobs = {
        "answer": after(1.0, 42),
        "greeting": after(0.5, "hello"),
        "broken": after(0.2, error=ValueError("bad input")),
        "stuck": after(100.0, "never"),
    }
    report = await ex.run_and_report(jobs, timeout=3.0)
    assert isinstance(report, dict), f"run_and_report should return a dict, got {type(report).__name__}."
    assert list(report) == list(jobs), "The report should list the jobs in the order they were given."
    assert report["answer"] == "done: 42", f"A job that returned 42 should read 'done: 42', got {report['answer']!r}."
    assert report["greeting"] == "done: 'hello'", (
        f"Use repr() of the result: 'done: \\'hello\\'' -- got {report['greeting']!r}.")
    assert report["broken"] == "failed: ValueError: bad input", (
        f"A failed job should read 'failed: ValueError: bad input', got {report['broken']!r}.")
    assert report["stuck"] == "cancelled", f"A job still running at the deadline should read 'cancelled', got {report['stuck']!r}."


async def test_deadline_is_respected(ex):
    """With a job that never ends, run_and_report returns at the deadline, not later."""
    with Timer() as t:
        await ex.run_and_report({"quick": after(0.5, 1), "stuck": after(100.0)}, timeout=2.0)
    assert abs(t.elapsed - 2.0) < 0.05, (f"run_and_report took {t.elapsed:.2f} s with a 2.0 s "
                                         f"timeout: stop waiting when the timeout is spent.")
    await assert_no_leftovers("run_and_report")


async def test_returns_early_when_all_are_done(ex):
    """When every job finishes early, run_and_report does not sit out the timeout."""
    with Timer() as t:
        report = await ex.run_and_report({"a": after(0.5, 1), "b": after(1.0, 2)}, timeout=10.0)
    assert report == {"a": "done: 1", "b": "done: 2"}, f"Unexpected report: {report!r}."
    assert t.elapsed < 1.05, (f"run_and_report took {t.elapsed:.2f} s, but the jobs were done after 1.0. "
                              f"Return as soon as everything has finished.")


async def test_jobs_run_concurrently_as_named_tasks(ex):
    """Every job runs at the same time as the others, in a task named after the job."""
    names: dict[str, str] = {}

    async def job(key: str):
        names[key] = asyncio.current_task().get_name()
        await asyncio.sleep(1.0)
        return key

    with Timer() as t:
        await ex.run_and_report({f"job{i}": job(f"job{i}") for i in range(10)}, timeout=5.0)
    assert t.elapsed < 1.1, f"Ten 1-second jobs took {t.elapsed:.2f} s: they should run at the same time."
    wrong = [k for k, v in names.items() if v != k]
    assert not wrong, "Name each task after its job: asyncio.create_task(coro, name=name)."
    await assert_no_leftovers("run_and_report")
