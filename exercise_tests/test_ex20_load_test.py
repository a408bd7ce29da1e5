"""Tests for ex20_load_test: concurrent requests, failures counted, nearest-rank percentiles."""

from __future__ import annotations

import asyncio

import pytest
from _helpers import Probe, assert_no_leftovers, expect_raises


EXERCISE = "ex20_load_test"
EPS = 1e-6


def sender(probe: Probe, latency=lambda i: 1.0, fails=lambda i: False):
    async def send(i: int) -> str:
        async with probe.track(str(i)):
            await asyncio.sleep(latency(i))
            if fails(i):
                raise RuntimeError(f"request {i} failed")
            return f"answer {i}"
    return send


@pytest.mark.parametrize("values, q, expected", [
    ([1, 2, 3, 4], 0.5, 2), ([1, 2, 3, 4], 0.95, 4), ([4, 1, 3, 2], 0.25, 1),
    ([7.0], 0.5, 7.0), ([7.0], 0.95, 7.0), (list(range(1, 21)), 0.95, 19), (list(range(1, 21)), 0.5, 10),
])
def test_percentile_is_nearest_rank(ex, values, q, expected):
    """Sorted, then the value at 1-based position ceil(q * n)."""
    got = ex.percentile(list(values), q)
    assert got == expected, f"percentile({values}, {q}) should be {expected} (nearest rank), got {got!r}."


async def test_reports_latency_percentiles_and_throughput(ex):
    """Twenty requests taking 0.1 .. 2.0 s, all at once: p50 1.0, p95 1.9, makespan 2.0, 10/s."""
    probe = Probe()
    report = await ex.load_test(sender(probe, latency=lambda i: (i + 1) / 10), 20)
    assert probe.peak == 20, f"Without a concurrency cap all 20 requests should run at once; the peak was {probe.peak}."
    assert report["answered"] == 20 and report["failed"] == 0, f"Expected 20 answered, 0 failed: {report!r}"
    assert abs(report["p50"] - 1.0) < EPS and abs(report["p95"] - 1.9) < EPS, (
        f"p50/p95 should be 1.0/1.9 s, got {report['p50']}/{report['p95']}. Time each request with "
        f"the loop's clock (loop.time()) around `await send(i)` alone.")
    assert abs(report["makespan"] - 2.0) < EPS, f"The last request ended at 2.0 s; makespan was {report['makespan']}."
    assert abs(report["throughput"] - 10.0) < EPS, f"20 answered in 2.0 s is 10 per second; got {report['throughput']}."


async def test_failures_are_counted_not_raised(ex):
    """Every fifth request raises: 4 failed, 16 answered, percentiles over the answered ones only."""
    probe = Probe()
    send = sender(probe, latency=lambda i: 0.5 if i % 5 == 0 else 1.0, fails=lambda i: i % 5 == 0)
    report = await ex.load_test(send, 20)
    assert (report["answered"], report["failed"]) == (16, 4), (
        f"Expected 16 answered and 4 failed, got {report['answered']} and {report['failed']}.")
    assert abs(report["p50"] - 1.0) < EPS and abs(report["p95"] - 1.0) < EPS, (
        "Percentiles must only count answered requests (the failed ones took 0.5 s).")
    assert probe.cancelled == 0, "One failed request must not cancel the others."


async def test_respects_the_concurrency_cap(ex):
    """Ten 1-second requests, at most 3 at once: 4 rounds, makespan 4.0, latencies all 1.0."""
    probe = Probe()
    report = await ex.load_test(sender(probe), 10, concurrency=3)
    assert probe.peak == 3, f"With concurrency=3, at most 3 requests may run at once; the peak was {probe.peak}."
    assert abs(report["makespan"] - 4.0) < EPS, f"10 one-second requests, 3 at a time, take 4.0 s; got {report['makespan']}."
    assert abs(report["p95"] - 1.0) < EPS, (
        f"A request's latency is the time `await send(i)` took (1.0 s), not the wait for a slot; p95 was {report['p95']}.")


async def test_nothing_answered(ex):
    """All requests fail: p50 and p95 are None, throughput 0."""
    report = await ex.load_test(sender(Probe(), fails=lambda i: True), 5)
    assert report["answered"] == 0 and report["failed"] == 5
    assert report["p50"] is None and report["p95"] is None, "With nothing answered, p50 and p95 should be None."
    assert report["throughput"] == 0


async def test_cancelling_stops_every_request(ex):
    """Cancelling load_test cancels the requests still running."""
    probe = Probe()
    task = asyncio.create_task(ex.load_test(sender(probe, latency=lambda i: 10.0), 6))
    await asyncio.sleep(1.0)
    task.cancel()
    await asyncio.wait([task])
    assert task.cancelled(), "Cancelling load_test should end it cancelled: let the CancelledError through."
    await assert_no_leftovers("load_test (after being cancelled)")
    assert probe.cancelled == 6, f"All 6 running requests should have been cancelled, {probe.cancelled} were."
