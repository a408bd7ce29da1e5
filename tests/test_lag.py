"""LagMonitor: catches a blocked loop, stays quiet for polite awaits."""

from __future__ import annotations

import asyncio

import pytest

from course_utils import clock
from course_utils.lag import LagMonitor


@pytest.fixture(autouse=True)
def fast_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COURSE_TIME_SCALE", "0.05")


async def looks_async_but_blocks() -> None:
    clock.sleep_blocking(0.5)  # the classic mistake: a blocking call inside async def


async def test_blocking_call_is_detected() -> None:
    async with LagMonitor() as lag:
        await clock.sleep(0.05)
        blocked_at = lag.elapsed
        await looks_async_but_blocks()
        await clock.sleep(0.05)
    assert lag.max_lag >= 0.4
    assert lag.blocked
    assert 0 < lag.mean_lag <= lag.max_lag
    # The worst spike is the blocking call (a loaded machine may add small extra ones).
    start, duration = max(lag.spikes, key=lambda spike: spike[1])
    assert duration >= 0.4
    assert start == pytest.approx(blocked_at, abs=0.1)
    assert "blocking detected" in lag.report()
    assert lag.report().startswith(f"worst lag {lag.max_lag:.2f} course s")
    assert "worst lag" in repr(lag)


async def test_polite_awaits_are_not_flagged(monkeypatch) -> None:
    # At the test scale the 0.2 course-s threshold is 10 ms real: a loaded CI machine's scheduler
    # alone once lagged 24 ms. At scale 0.5 it is 100 ms real, and the test still takes 0.15 s.
    monkeypatch.setenv("COURSE_TIME_SCALE", "0.5")
    async with LagMonitor() as lag:
        await asyncio.gather(*(clock.sleep(0.3) for _ in range(50)))
    assert len(lag.samples) >= 2  # the heartbeat really ran while the tasks waited
    assert lag.max_lag < lag.effective_threshold
    assert not lag.blocked
    assert lag.spikes == []
    assert "no blocking" in lag.report()


async def test_block_just_before_exit_still_counts() -> None:
    with LagMonitor() as lag:  # plain `with`, no await inside: the beat never gets to run
        clock.sleep_blocking(0.5)
    assert lag.max_lag >= 0.4 and lag.blocked


async def test_samples_are_course_seconds_and_interval_is_clamped() -> None:
    # 0.0001 course s would be 5 microseconds real at this scale; the floor is ~1 ms real.
    async with LagMonitor(interval=0.0001) as lag:
        await clock.sleep(0.2)  # 10 ms real
    times = [t for t, _ in lag.samples]
    assert times == sorted(times)
    assert 0 < times[-1] <= lag.elapsed + 1e-9
    assert 0.19 <= lag.elapsed < 1.0
    assert 1 <= len(times) <= 12


async def test_heartbeat_stops_after_exit() -> None:
    async with LagMonitor() as lag:
        await clock.sleep(0.05)
    count = len(lag.samples)
    await clock.sleep(0.1)
    assert len(lag.samples) == count


async def test_custom_threshold() -> None:
    async with LagMonitor(threshold=0.5) as lag:
        await clock.sleep(0.02)
        clock.sleep_blocking(0.2)
        await clock.sleep(0.02)
    assert 0.15 <= lag.max_lag < 0.5
    assert not lag.blocked


def test_threshold_has_a_real_time_floor(monkeypatch: pytest.MonkeyPatch) -> None:
    # 0.1 course s is 5 ms real at scale 0.05: within a busy CI machine's scheduling jitter.
    assert LagMonitor().effective_threshold == pytest.approx(0.2)
    assert LagMonitor(threshold=0.5).effective_threshold == 0.5
    monkeypatch.setenv("COURSE_TIME_SCALE", "1")
    assert LagMonitor().effective_threshold == 0.1


def test_needs_a_running_loop() -> None:
    with pytest.raises(RuntimeError, match="running event loop"):
        with LagMonitor():
            pass
    with pytest.raises(ValueError):
        LagMonitor(interval=0)


async def test_blocking_simulated_llm_is_caught_and_polite_one_is_not():
    from course_utils.llm import SimulatedLLM

    async with LagMonitor() as polite:
        await asyncio.gather(*(SimulatedLLM(seed=i).complete("hi") for i in range(3)))
    async with LagMonitor() as rude:
        await SimulatedLLM(seed=1, blocking=True).complete("hi")
    assert not polite.blocked
    assert rude.blocked and rude.max_lag > 0.2  # the whole call froze the loop
