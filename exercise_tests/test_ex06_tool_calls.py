"""Tests for ex06_tool_calls: parallel tool calls with TaskGroup and with gather."""

from __future__ import annotations

import asyncio

import pytest
from _helpers import Probe, Timer, assert_no_leftovers, expect_raises

from course_utils import records, tools
from course_utils.tools import ToolError

EXERCISE = "ex06_tool_calls"

CALLS = [("get_grades", {"student_id": 3}), ("get_weather", {"city": "Oslo"}),
         ("search_web", {"query": "asyncio taskgroup"}), ("get_attendance", {"student_id": 3})]
EXPECTED = [records.grades(3), records.weather("Oslo"), records.search_results("asyncio taskgroup", 3),
            records.attendance(3)]


@pytest.fixture
def fakes(ex, monkeypatch):
    """Add a failing tool and a slow tool (with a probe) to the learner's TOOLS."""
    probe = Probe()
    slow_tasks: list[asyncio.Task] = []
    probe.slow_tasks = slow_tasks

    async def broken(after: float = 0.2):
        await asyncio.sleep(after)
        raise ToolError("the weather service is down")

    async def slow(seconds: float = 5.0):
        slow_tasks.append(asyncio.current_task())  # the task the call runs in, to see how it ended
        async with probe.track("slow"):
            await asyncio.sleep(seconds)
        return "slow result"

    monkeypatch.setitem(ex.TOOLS, "broken", broken)
    monkeypatch.setitem(ex.TOOLS, "slow", slow)
    return probe


def slowest() -> float:
    return max([tools.latency_of("get_grades", 3), tools.latency_of("get_weather", "Oslo"),
                tools.latency_of("search_web", (("asyncio taskgroup",), (("results", 3),))), tools.latency_of("get_attendance", 3)])


async def test_results_in_order_and_concurrent(ex):
    """run_tool_calls returns every result in call order, in about the time of the slowest call."""
    with Timer() as t:
        results = await ex.run_tool_calls(CALLS)
    assert results == EXPECTED, "The results should be the tools' results, in the order of the calls."
    assert t.elapsed <= 1.3 * slowest(), (
        f"Four tool calls took {t.elapsed:.2f} s; together they take about {slowest():.2f}.")


async def test_one_failure_cancels_the_rest(ex, fakes):
    """If one call fails, the others are cancelled at once and an ExceptionGroup is raised."""
    with Timer() as t:
        try:
            await ex.run_tool_calls([("slow", {}), ("broken", {}), ("get_grades", {"student_id": 1})])
        except ExceptionGroup as error:
            group = error
        except ToolError:
            slow_left = " and the slow call was left running" if fakes.cancelled == 0 else ""
            raise AssertionError(
                f"run_tool_calls raised the ToolError on its own{slow_left}, but an ExceptionGroup was "
                f"expected: asyncio.TaskGroup cancels the other calls and raises an ExceptionGroup "
                f"holding the error. (Plain asyncio.gather passes the first error on and leaves the "
                f"other calls running.)") from None
        else:
            raise AssertionError("Expected an ExceptionGroup holding the ToolError of the failed call, but "
                                 "run_tool_calls returned normally.")
    assert group.subgroup(ToolError) is not None, "The ExceptionGroup should contain the ToolError."
    assert fakes.cancelled == 1, "The slow call was not cancelled when its sibling failed."
    assert t.elapsed < 0.5, (f"run_tool_calls took {t.elapsed:.2f} s; it should stop as soon as "
                             f"one call fails (0.2 s). Use asyncio.TaskGroup.")
    await assert_no_leftovers("run_tool_calls")


async def test_tolerant_collects_everything(ex, fakes):
    """run_tool_calls_tolerant gives one entry per call, successes and errors, in order."""
    with Timer() as t:
        try:
            out = await ex.run_tool_calls_tolerant([("get_grades", {"student_id": 3}), ("broken", {}),
                                                    ("slow", {"seconds": 1.0})])
        except Exception as error:
            raise AssertionError(
                f"run_tool_calls_tolerant raised {type(error).__name__} when one call failed; the tolerant "
                f"version gives every call an entry instead (asyncio.gather(..., return_exceptions=True) "
                f"returns errors as values).") from None
    assert isinstance(out, list) and len(out) == 3, "There should be exactly one entry per call."
    assert out[0] == {"ok": True, "result": records.grades(3)}, f"A success should be {{'ok': True, 'result': ...}}, got {out[0]!r}."
    assert out[1] == {"ok": False, "error": "ToolError: the weather service is down"}, (
        f"A failure should be {{'ok': False, 'error': 'ToolError: the weather service is down'}}, got {out[1]!r}.")
    assert out[2] == {"ok": True, "result": "slow result"}, "A failure must not stop the other calls."
    assert abs(t.elapsed - 1.0) < 0.05, f"Three calls took {t.elapsed:.2f} s; together they take 1.0."


async def test_tolerant_still_cancellable(ex, fakes):
    """Collecting errors must not swallow a cancellation: a caller's timeout still stops everything."""
    with expect_raises(TimeoutError, "the caller's TimeoutError: collecting errors must not swallow a "
                       "cancellation"):
        async with asyncio.timeout(0.5):
            await ex.run_tool_calls_tolerant([("slow", {}), ("slow", {})])
    await assert_no_leftovers("run_tool_calls_tolerant")
    assert fakes.cancelled == 2, "The running calls should be cancelled with the caller."
    swallowed = [t for t in fakes.slow_tasks if not t.cancelled()]
    assert not swallowed, (
        f"The caller's timeout cancelled the calls, but {len(swallowed)} of them ended as an ordinary "
        f"result instead of as cancelled: something around the call caught the CancelledError (an "
        f"`except BaseException`, or a bare `except:`) and turned it into an error entry. A cancellation "
        f"is not a tool failure; catch `Exception`, so that CancelledError (a BaseException on purpose) "
        f"goes through.")
