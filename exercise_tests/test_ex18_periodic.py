"""Tests for ex18_periodic: a fixed-rate timer loop that stops at once."""

from __future__ import annotations

import asyncio
import contextlib

from _helpers import Timer, assert_no_leftovers, now, expect_raises


EXERCISE = "ex18_periodic"
EPS = 1e-6


class Job:
    """A job that records when each call started and takes the given durations (course s)."""

    def __init__(self, *durations: float, fail_on: int | None = None) -> None:
        self.durations = list(durations)
        self.starts: list[float] = []
        self.finished = 0
        self.fail_on = fail_on
        self.t0 = now()

    async def __call__(self) -> None:
        self.starts.append(now() - self.t0)
        if self.fail_on is not None and len(self.starts) == self.fail_on:
            raise ValueError("the job failed")
        duration = self.durations[min(len(self.starts), len(self.durations)) - 1]
        await asyncio.sleep(duration)
        self.finished += 1


@contextlib.asynccontextmanager
async def stop_after(course_seconds: float):
    """An Event set after ``course_seconds``; the setter task is reaped even if the test fails."""
    stop = asyncio.Event()

    async def setter() -> None:
        await asyncio.sleep(course_seconds)
        stop.set()

    task = asyncio.create_task(setter())
    try:
        yield stop
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


def rounded(times: list[float]) -> list[float]:
    return [round(t, 3) for t in times]


async def test_runs_on_a_fixed_schedule(ex):
    """A 0.3 s job every 1.0 s starts at 0, 1, 2, 3, 4: the job's duration causes no drift."""
    job = Job(0.3)
    async with stop_after(4.5) as stop:
        runs = await ex.run_every(1.0, job, stop)
    assert rounded(job.starts) == [0.0, 1.0, 2.0, 3.0, 4.0], (
        f"The job started at {rounded(job.starts)}; expected 0, 1, 2, 3, 4. If the starts drift by the "
        f"job's 0.3 s each round, you are sleeping a full period *after* each job: aim at the next tick.")
    assert runs == 5, f"run_every should return the number of calls (5), returned {runs!r}."


async def test_skips_ticks_a_long_job_overran(ex):
    """A 2.5 s first call overruns ticks 1 and 2: the next call starts at 3, then 4 (no catch-up burst)."""
    job = Job(2.5, 0.2)
    async with stop_after(4.5) as stop:
        runs = await ex.run_every(1.0, job, stop)
    assert rounded(job.starts) == [0.0, 3.0, 4.0], (
        f"The job started at {rounded(job.starts)}; expected 0, 3, 4. After an overrun, wait for the next "
        f"tick still ahead instead of firing the missed ones at once.")
    assert runs == 3


async def test_stops_at_once_while_waiting(ex):
    """Stop is set at 2.5 s while waiting for the next tick: run_every returns right then."""
    job = Job(0.1)
    async with stop_after(2.5) as stop:
        with Timer() as t:
            runs = await ex.run_every(1.0, job, stop)
    assert abs(t.elapsed - 2.5) < EPS, (
        f"run_every returned {t.elapsed:.2f} s after starting; the stop came at 2.5. Wait for the "
        f"stop event with a timeout instead of sleeping, so a stop ends the wait at once.")
    assert runs == 3


async def test_a_running_job_finishes_before_returning(ex):
    """Stop comes at 2.2 s while the 0.5 s job started at 2.0 runs: it finishes (2.5), nothing more starts."""
    job = Job(0.5)
    async with stop_after(2.2) as stop:
        with Timer() as t:
            runs = await ex.run_every(1.0, job, stop)
    assert job.finished == len(job.starts) == 3, (
        f"{len(job.starts)} calls started, {job.finished} finished: a job that is running when stop is set "
        f"must be allowed to finish (do not cancel it), and none may start after the stop.")
    assert abs(t.elapsed - 2.5) < EPS, f"Expected to return when the last job ended (2.5 s), returned at {t.elapsed:.2f}."
    assert runs == 3


async def test_already_stopped_runs_nothing(ex):
    """If stop is already set, return 0 without calling the job."""
    job = Job(0.1)
    stop = asyncio.Event()
    stop.set()
    runs = await ex.run_every(1.0, job, stop)
    assert runs == 0 and job.starts == [], "With stop already set, the job must not run; return 0."


async def test_a_failing_job_reaches_the_caller(ex):
    """The third call raises: the ValueError comes out of run_every, two seconds in."""
    job = Job(0.1, fail_on=3)
    stop = asyncio.Event()
    with Timer() as t:
        with expect_raises(ValueError, "the job's ValueError to come out of run_every"):
            await ex.run_every(1.0, job, stop)
    assert abs(t.elapsed - 2.0) < EPS, f"The failing call was the third, at 2.0 s; run_every ended at {t.elapsed:.2f}."


async def test_leaves_no_task_behind(ex):
    """When run_every returns, nothing it started is still running."""
    job = Job(0.2)
    async with stop_after(1.5) as stop:
        await ex.run_every(0.5, job, stop)
    await assert_no_leftovers("run_every")
