"""compare / compare_many: timings, speedup, results and the summary text."""

from __future__ import annotations

import asyncio
import dataclasses
import re

import pytest

from course_utils import clock, tracing
from course_utils.comparison import Comparison, Timings, compare, compare_many


@pytest.fixture(autouse=True)
def fast_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COURSE_TIME_SCALE", "0.05")


def fetch_sync(i: int) -> str:
    clock.sleep_blocking(0.2)
    return f"doc{i}"


async def fetch_async(i: int) -> str:
    await clock.sleep(0.2)
    return f"doc{i}"


def all_sync() -> list[str]:
    return [fetch_sync(i) for i in range(3)]


async def all_async() -> list[str]:
    return list(await asyncio.gather(*(fetch_async(i) for i in range(3))))


async def test_gather_beats_sequential() -> None:
    result = await compare(all_sync, all_async)
    assert isinstance(result, Comparison)
    assert result.sync_result == result.async_result == ["doc0", "doc1", "doc2"]
    # Sleeps never end early, so lower bounds are exact; upper bounds would only measure load.
    assert result.sync_seconds >= 0.59
    assert result.async_seconds >= 0.19
    assert result.speedup > 2.5
    assert result.speedup == pytest.approx(result.sync_seconds / result.async_seconds)
    assert len(result.async_timeline.tasks) == 3
    # Plain blocking code creates no tasks, so compare adds one row covering the call.
    assert [t.label for t in result.sync_timeline.tasks] == ["all_sync"]
    text = repr(result)
    assert re.fullmatch(r"sync \d+\.\d\d s, async \d+\.\d\d s: async \d+\.\dx faster", text)
    assert text in result._repr_html_()


async def test_comparison_is_frozen() -> None:
    result = await compare(lambda: fetch_sync(0), lambda: fetch_async(0))
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.speedup = 10  # type: ignore[misc]
    assert 0.5 < result.speedup < 2  # one call each: no reason for either to win
    assert result.sync_timeline.tasks[0].label == "sync"  # a lambda gets the side's label


async def test_spans_in_sync_code_replace_the_default_row() -> None:
    def with_spans() -> None:
        for name in ("grades", "weather"):
            with tracing.span(name):
                clock.sleep_blocking(0.05)

    result = await compare(with_spans, all_async, labels=("blocking", "gather"))
    assert [t.label for t in result.sync_timeline.tasks] == ["grades", "weather"]
    assert repr(result).startswith("blocking ")
    assert "gather" in repr(result)


async def test_slower_async_is_reported_as_slower() -> None:
    result = await compare(lambda: None, lambda: clock.sleep(0.1))
    assert result.speedup < 1
    assert repr(result).endswith("slower")


async def test_wrong_sides_raise() -> None:
    with pytest.raises(TypeError, match="async function"):
        await compare(all_async, all_async)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="must block"):
        await compare(lambda: all_async(), all_async)


async def test_compare_many_mixes_sync_and_async() -> None:
    sem = asyncio.Semaphore(1)

    async def one_at_a_time() -> list[str]:
        async def guarded(i: int) -> str:
            async with sem:
                return await fetch_async(i)
        return list(await asyncio.gather(*(guarded(i) for i in range(3))))

    timings = await compare_many({
        "sequential": all_sync,
        "gather": all_async,
        "semaphore(1)": one_at_a_time,
    })
    assert isinstance(timings, Timings)
    assert list(timings) == ["sequential", "gather", "semaphore(1)"]
    assert timings.fastest == "gather"
    assert timings.speedup("gather") > 2
    assert timings["semaphore(1)"] >= 0.59
    assert timings.speedup("semaphore(1)") < 1.5  # one at a time: no faster than sequential
    assert timings.results["gather"] == ["doc0", "doc1", "doc2"]
    assert len(timings.timelines["gather"].tasks) == 3
    assert "fastest: gather" in repr(timings)


async def test_sequential_async_function_still_gets_a_row():
    from course_utils import tools as t

    async def one_by_one():
        return [await t.get_grades(7), await t.get_attendance(7)]

    async def fan_out():
        return await asyncio.gather(t.get_grades(7), t.get_attendance(7))

    seq = await compare(lambda: None, one_by_one)
    assert [task.label for task in seq.async_timeline.tasks] == ["one_by_one"]
    fan = await compare(lambda: None, fan_out)
    assert len(fan.async_timeline.tasks) == 2  # the two tool tasks, no wrapper row
