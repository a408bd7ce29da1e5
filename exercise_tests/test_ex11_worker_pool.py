"""Tests for ex11_worker_pool: a queue and a fixed number of workers."""

from __future__ import annotations

import asyncio

import pytest
from _helpers import Probe, Timer, assert_no_leftovers

EXERCISE = "ex11_worker_pool"
DURATIONS = [1.0, 0.5, 2.0, 0.5, 1.5, 1.0, 0.5, 0.5, 2.0, 1.0, 0.5, 1.0]


def make_handler(probe: Probe):
    async def handler(job):
        async with probe.track(str(job)):
            seconds, value = job
            await asyncio.sleep(seconds)
            if isinstance(value, Exception):
                raise value
            return value * 10
    return handler


def greedy(durations: list[float], workers: int) -> float:
    free = [0.0] * workers
    for d in durations:
        i = free.index(min(free))
        free[i] += d
    return max(free)


async def test_results_in_order_with_errors_kept(ex):
    """Results come back in job order; a failing job's exception is its result and the pool goes on."""
    probe = Probe()
    boom = ValueError("bad job")
    jobs = [(d, i) for i, d in enumerate(DURATIONS)]
    jobs[2] = (0.5, boom)
    try:
        results = await ex.run_pool(jobs, make_handler(probe), workers=3)
    except ValueError:
        raise AssertionError("run_pool raised the ValueError of a failing job. A job's exception becomes "
                             "that job's result (catch it in the worker) and the pool carries on.") from None
    assert isinstance(results, list) and len(results) == len(jobs), "run_pool should return one result per job."
    assert results[2] is boom, ("A job that raised should have its exception object as its result "
                                "(and the pool should carry on).")
    expected = [i * 10 for i in range(len(jobs))]
    expected[2] = boom
    assert results == expected, "The results are not in the order of the jobs."


@pytest.mark.parametrize("workers", [1, 3, 5])
async def test_concurrency_is_the_number_of_workers(ex, workers):
    """Exactly `workers` jobs run at the same time, never more."""
    probe = Probe()
    await ex.run_pool([(d, i) for i, d in enumerate(DURATIONS)], make_handler(probe), workers=workers)
    assert probe.peak <= workers, f"{probe.peak} jobs ran at once with workers={workers}."
    assert probe.peak == workers, f"Only {probe.peak} job(s) ran at once with workers={workers}."


async def test_wall_time_and_task_count(ex):
    """Three workers finish in about the ideal time, with a fixed number of tasks alive, not one per job."""
    probe = Probe()
    durations = DURATIONS * 3
    baseline = len(asyncio.all_tasks())
    peak_tasks = 0
    done = False

    async def sampler():
        nonlocal peak_tasks
        while not done:
            peak_tasks = max(peak_tasks, len(asyncio.all_tasks()) - baseline - 1)
            await asyncio.sleep(0.05)

    watcher = asyncio.create_task(sampler())
    try:
        with Timer() as t:
            await ex.run_pool([(d, i) for i, d in enumerate(durations)], make_handler(probe), workers=3)
    finally:
        done = True
        await watcher
    ideal = greedy(durations, 3)
    assert t.elapsed <= 1.15 * ideal, (f"The pool took {t.elapsed:.2f} s; three workers need about "
                                       f"{ideal:.2f}. A worker should take the next job as soon as it is free.")
    assert peak_tasks <= 2 * 3 + 1, (
        f"{peak_tasks} tasks were alive at once for 3 workers and {len(durations)} jobs. A pool keeps a "
        f"fixed number of worker tasks that take jobs from a queue, not one task per job.")
    await assert_no_leftovers("run_pool")


async def test_cancelling_stops_the_workers(ex):
    """If run_pool is cancelled (a timeout), its workers stop too."""
    probe = Probe()
    try:
        async with asyncio.timeout(1.2):
            await ex.run_pool([(5.0, i) for i in range(6)], make_handler(probe), workers=3)
    except TimeoutError:
        pass
    else:
        raise AssertionError("The caller's 1.2 s timeout should have cancelled run_pool (TimeoutError), "
                             "but run_pool returned normally.")
    await assert_no_leftovers("run_pool (cancelled)")
    assert probe.cancelled == 3, f"{probe.cancelled} of the 3 running jobs were cancelled."


async def test_empty_and_small(ex):
    """No jobs gives an empty list at once; fewer jobs than workers is fine."""
    probe = Probe()
    assert await ex.run_pool([], make_handler(probe), workers=3) == [], "No jobs: return []."
    assert await ex.run_pool([(0.5, 1)], make_handler(probe), workers=4) == [10], "One job, four workers: [10]."
    await assert_no_leftovers("run_pool")
