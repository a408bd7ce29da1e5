"""Timeline: segments, labels, queued time, and that tracing never changes behaviour."""

from __future__ import annotations

import asyncio
import gc
import subprocess
import sys
import time
import warnings

import pytest

from course_utils import clock, tracing
from course_utils.tracing import Timeline


@pytest.fixture(autouse=True)
def fast_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COURSE_TIME_SCALE", "0.05")


async def worker(i: int, seconds: float = 0.2) -> int:
    await clock.sleep(seconds)
    return i * 10


def states(trace: tracing.TaskTrace) -> list[str]:
    return [s.state for s in trace.segments]


# ----------------------------------------------------------------------------- basics


async def test_gather_records_one_row_per_task_with_ordered_segments(monkeypatch) -> None:
    # Scale 0.25: the bounds below leave 25 ms of real time for a busy machine (2.5 at 0.05).
    monkeypatch.setenv("COURSE_TIME_SCALE", "0.25")
    async with Timeline() as tl:
        results = await asyncio.gather(worker(1), worker(2), worker(3))
    assert results == [10, 20, 30]
    assert len(tl.tasks) == 3
    for trace in tl.tasks:
        assert trace.label == "worker"
        assert trace.done and trace.error is None
        # Created -> (queued) -> first step -> sleeping -> last step: nothing else.
        assert [s for s in states(trace) if s != "queued"] == ["running", "waiting", "running"]
        segs = trace.segments
        assert segs[0].start == pytest.approx(trace.start)
        assert segs[-1].end == pytest.approx(trace.end)
        for a, b in zip(segs, segs[1:]):
            assert a.end == pytest.approx(b.start)  # contiguous, chronological
            assert a.start <= a.end
        assert 0.17 < trace.waiting < 0.3
        assert trace.running < 0.05
        assert 0 <= trace.start and trace.end <= tl.elapsed + 1e-9
    assert tl.peak_concurrency == 3
    assert 0.19 < tl.elapsed < 0.8


async def test_labels_use_task_name_or_coroutine_name() -> None:
    async def nested_job() -> None:
        await clock.sleep(0.01)

    async with Timeline() as tl:
        await asyncio.gather(asyncio.create_task(nested_job(), name="fetch-user"),
                             asyncio.create_task(nested_job()), worker(1, 0.01))
    assert [t.label for t in tl.tasks] == ["fetch-user", "nested_job", "worker"]


async def test_sync_with_form_works_inside_a_running_loop() -> None:
    with Timeline() as tl:
        await asyncio.gather(worker(1, 0.05), worker(2, 0.05))
    assert len(tl.tasks) == 2
    assert asyncio.get_running_loop().get_task_factory() is None


async def test_untraced_outside_the_block_and_hook_removed() -> None:
    async with Timeline() as tl:
        await worker(0, 0.01)  # awaited inline: no task, no row
        assert clock._wakeup_hook is not None
    await asyncio.gather(worker(1, 0.01))
    assert tl.tasks == []
    assert clock._wakeup_hook is None
    assert tracing.current_timeline() is None


# ----------------------------------------------------------------------------- queued time


async def test_blocking_task_makes_others_queued() -> None:
    async def blocker() -> None:
        await clock.sleep(0.05)
        clock.sleep_blocking(0.4)  # freezes the loop from ~0.05 to ~0.45

    async with Timeline() as tl:
        await asyncio.gather(blocker(), worker(1, 0.1), worker(2, 0.1))
    block, *others = tl.tasks
    assert max(s.duration for s in block.segments if s.state == "running") >= 0.38
    for trace in others:
        queued = [s for s in trace.segments if s.state == "queued"]
        late = max(queued, key=lambda s: s.duration)
        # Ready at its 0.1 s deadline, but held until the blocker let go at ~0.45 s.
        assert late.duration >= 0.3
        assert late.start == pytest.approx(trace.start + 0.1, abs=0.05)
        assert states(trace)[states(trace).index("queued", 1) - 1] == "waiting"


async def test_plain_asyncio_sleep_deadlines_are_learned_too() -> None:
    """Learner code sleeps with plain ``asyncio.sleep``: a task held past that deadline by a
    blocking neighbour is queued there too (here the loop counts real seconds, scale 0.05)."""
    async def blocker() -> None:
        await asyncio.sleep(0.05 * 0.05)
        time.sleep(0.4 * 0.05)  # freezes the loop from ~0.05 to ~0.45 course seconds

    async def sleeper() -> None:
        await asyncio.sleep(0.1 * 0.05)

    loop = asyncio.get_running_loop()
    async with Timeline() as tl:
        assert "call_at" in vars(loop)
        await asyncio.gather(blocker(), sleeper())
    assert "call_at" not in vars(loop), "the loop's own call_at is back after recording"
    late = max((s for s in tl.tasks[1].segments if s.state == "queued"), key=lambda s: s.duration)
    assert late.duration >= 0.25, "held past its sleep's deadline, the sleeper must show as queued"
    assert late.start == pytest.approx(tl.tasks[1].start + 0.1, abs=0.05)


async def test_polite_sleeps_show_almost_no_queued_time() -> None:
    async with Timeline() as tl:
        await asyncio.gather(*(worker(i, 0.1) for i in range(5)))
    for trace in tl.tasks:
        # Compare the blocking test's >= 0.3: only scheduling noise is left here.
        assert trace.queued < 0.15
        assert trace.waiting > 0.05


async def test_sleep_zero_counts_as_queued_not_waiting() -> None:
    async def yielder() -> None:
        await asyncio.sleep(0)

    async def hog() -> None:
        clock.sleep_blocking(0.2)

    async with Timeline() as tl:
        await asyncio.gather(yielder(), hog())
    assert "waiting" not in states(tl.tasks[0])
    assert tl.tasks[0].queued >= 0.15


# ----------------------------------------------------------------------------- behaviour preserved


async def test_exceptions_propagate_unchanged() -> None:
    class Boom(Exception):
        pass

    async def fail() -> None:
        await clock.sleep(0.01)
        raise Boom("bad tool")

    async with Timeline() as tl:
        with pytest.raises(Boom, match="bad tool") as info:
            await asyncio.gather(fail())
    assert any(entry.name == "fail" for entry in info.traceback)
    assert tl.tasks[0].error == "Boom: bad tool"


async def test_cancellation_reaches_the_inner_coroutine() -> None:
    events: list[str] = []

    async def slow() -> None:
        try:
            await clock.sleep(5)
        except asyncio.CancelledError:
            events.append("cancelled inside")
            raise
        finally:
            events.append("finally")

    async with Timeline() as tl:
        task = asyncio.create_task(slow())
        await clock.sleep(0.02)
        task.cancel("stop")
        with pytest.raises(asyncio.CancelledError):
            await task
    assert task.cancelled()
    assert events == ["cancelled inside", "finally"]
    assert tl.tasks[0].error == "cancelled"
    assert tl.tasks[0].end < 1.0


async def test_cancellation_can_be_swallowed_like_untraced_code() -> None:
    async def stubborn() -> str:
        try:
            await clock.sleep(5)
        except asyncio.CancelledError:
            return "cleaned up"
        return "not cancelled"

    async with Timeline():
        task = asyncio.create_task(stubborn())
        await clock.sleep(0.02)
        task.cancel()
        assert await task == "cleaned up"
    assert not task.cancelled()


async def test_timeout_and_wait_for_work() -> None:
    async def bounded() -> str:
        try:
            async with asyncio.timeout(clock.to_real(0.05)):
                await clock.sleep(5)
        except TimeoutError:
            return "timed out"
        return "finished"

    async with Timeline() as tl:
        assert await asyncio.create_task(bounded()) == "timed out"
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(worker(1, 5), timeout=clock.to_real(0.05))
    assert tl.tasks[0].error is None
    assert tl.elapsed < 1.0


async def test_taskgroup_errors_and_sibling_cancellation() -> None:
    async def fail() -> None:
        await clock.sleep(0.02)
        raise ValueError("nope")

    async with Timeline() as tl:
        with pytest.raises(ExceptionGroup) as info:
            async with asyncio.TaskGroup() as tg:
                ok = tg.create_task(worker(1, 0.01), name="quick")
                tg.create_task(fail(), name="failing")
                tg.create_task(worker(2, 5), name="slow")
    assert ok.result() == 10
    assert [type(e) for e in info.value.exceptions] == [ValueError]
    errors = {t.label: t.error for t in tl.tasks}
    assert errors == {"quick": None, "failing": "ValueError: nope", "slow": "cancelled"}


async def test_cancel_before_first_step_warns_nothing() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        async with Timeline() as tl:
            task = asyncio.create_task(worker(1))
            task.cancel()
            await asyncio.sleep(0)
        del task
        gc.collect()
    assert not [w for w in caught if "never awaited" in str(w.message)]
    assert tl.tasks[0].error == "cancelled before it started"
    assert tl.tasks[0].label == "worker"


# ----------------------------------------------------------------------------- the task factory


async def test_previous_task_factory_is_chained_and_restored() -> None:
    loop = asyncio.get_running_loop()
    made: list[str] = []

    def custom(loop: asyncio.AbstractEventLoop, coro, **kwargs):  # type: ignore[no-untyped-def]
        made.append(coro.__qualname__)
        return asyncio.Task(coro, loop=loop, **kwargs)

    loop.set_task_factory(custom)
    try:
        async with Timeline() as tl:
            assert loop.get_task_factory() is not custom
            await asyncio.gather(worker(1, 0.01))
        assert loop.get_task_factory() is custom
        assert made == ["_traced"] and len(tl.tasks) == 1
    finally:
        loop.set_task_factory(None)


async def test_nested_timelines_split_the_tasks() -> None:
    async with Timeline() as outer:
        await asyncio.gather(worker(1, 0.01))
        async with Timeline() as inner:
            await asyncio.gather(worker(2, 0.01), worker(3, 0.01))
        await asyncio.gather(worker(4, 0.01))
    assert len(inner.tasks) == 2
    assert len(outer.tasks) == 2  # not wrapped twice, not counted in both
    assert asyncio.get_running_loop().get_task_factory() is None


async def test_child_tasks_are_traced_too() -> None:
    async def parent() -> list[int]:
        return await asyncio.gather(worker(1, 0.02), worker(2, 0.02))

    async with Timeline() as tl:
        assert await asyncio.create_task(parent()) == [10, 20]
    assert [t.label for t in tl.tasks] == ["parent", "worker", "worker"]
    assert tl.peak_concurrency == 3


# ----------------------------------------------------------------------------- explicit API


async def test_trace_span_and_wrap() -> None:
    async with Timeline() as tl:
        assert await tl.trace(worker(4, 0.02), label="explicit") == 40
        with tl.span("grades"):
            clock.sleep_blocking(0.1)
        async with tl.span("async-span"):
            clock.sleep_blocking(0.02)

        @tl.wrap
        def lookup(x: int) -> int:
            clock.sleep_blocking(0.02)
            return x + 1

        @tl.wrap(label="fetch")
        async def fetch(x: int) -> int:
            await clock.sleep(0.02)
            return x * 2

        assert lookup(1) == 2
        assert await fetch(2) == 4
        assert await asyncio.create_task(fetch(3)) == 6  # the factory must not wrap it again
    labels = [t.label for t in tl.tasks]
    assert labels == ["explicit", "grades", "async-span", "lookup", "fetch", "fetch"]
    grades = tl.tasks[1]
    assert states(grades) == ["running"] and grades.running >= 0.09
    assert tl.busy_time >= 0.13


async def test_span_records_errors() -> None:
    with Timeline() as tl:
        with pytest.raises(KeyError):
            with tl.span("broken"):
                raise KeyError("x")
    assert tl.tasks[0].error == "KeyError: 'x'"


def test_sync_timeline_without_a_loop() -> None:
    with Timeline() as tl:
        with tracing.span("step 1"):
            clock.sleep_blocking(0.05)
        with tracing.span("step 2"):
            clock.sleep_blocking(0.05)
        tracing.mark("retry", "from sync code")
    assert [t.label for t in tl.tasks] == ["step 1", "step 2"]
    assert tl.peak_concurrency == 1
    assert tl.tasks[1].start >= tl.tasks[0].end - 1e-9
    assert [m.kind for m in tl.marks] == ["retry"]


async def test_nested_spans_of_one_task_draw_one_row() -> None:
    """Lesson 02 wraps each blocking tool in a span; the tool's own span must not add a row."""
    from course_utils import sync_tools

    with Timeline() as tl:
        for tool in (sync_tools.get_grades, sync_tools.get_attendance, sync_tools.get_schedule):
            with tracing.span(tool.__name__):
                tool(7)
        with tl.span("outer"):
            with tl.span("inner"):
                clock.sleep_blocking(0.01)
    assert [t.label for t in tl.tasks] == ["get_grades", "get_attendance", "get_schedule", "outer"]
    assert all(t.running > 0.1 for t in tl.tasks[:3])


async def test_spans_in_sibling_tasks_each_draw_a_row() -> None:
    async def step(name: str) -> None:
        async with tracing.span(name):
            await clock.sleep(0.02)

    async with Timeline() as tl:
        async with tracing.span("parent"):
            await asyncio.gather(step("a"), step("b"))  # other tasks: not nested in "parent"
    spans = [t.label for t in tl.tasks if t.label in {"parent", "a", "b"}]
    assert sorted(spans) == ["a", "b", "parent"]


# ----------------------------------------------------------------------------- marks


async def test_marks_attach_to_the_current_task() -> None:
    async def flaky(i: int) -> None:
        await clock.sleep(0.02)
        if i == 1:
            tracing.mark("429", "rate limited")
            tracing.mark("retry")
        await clock.sleep(0.02)

    async with Timeline() as tl:
        await asyncio.gather(flaky(0), flaky(1))
        tracing.mark("timeout", "from the main task")
    first, second = tl.tasks
    assert first.marks == []
    assert [(m.kind, m.note) for m in second.marks] == [("429", "rate limited"), ("retry", "")]
    assert second.start + 0.015 < second.marks[0].time < second.end
    assert {m.kind for m in tl.marks} == {"429", "retry", "timeout"}
    assert tl.summary()["marks"] == {"429": 1, "retry": 1, "timeout": 1}


def test_mark_outside_a_timeline_is_a_cheap_no_op() -> None:
    assert tracing.mark("429") is None
    n = 100_000
    t0 = time.perf_counter()
    for _ in range(n):
        tracing.mark("retry", "x")
    assert (time.perf_counter() - t0) / n < 1e-6


# ----------------------------------------------------------------------------- figures


async def test_concurrency_step_function() -> None:
    async with Timeline() as tl:
        first = asyncio.create_task(worker(1, 0.2))
        await clock.sleep(0.05)
        second = asyncio.create_task(worker(2, 0.05))
        await asyncio.gather(first, second)
        await asyncio.gather(worker(3, 0.05))
    times, counts = tl.concurrency()
    assert times == sorted(times)
    assert counts[0] == 0 and counts[-1] == 0
    assert max(counts) == tl.peak_concurrency == 2
    assert counts.index(2) > counts.index(1)


async def test_summary_and_repr() -> None:
    async with Timeline("demo") as tl:
        await asyncio.gather(worker(1, 0.05), worker(2, 0.05))
    summary = tl.summary()
    assert summary["tasks"] == 2 and summary["peak_concurrency"] == 2
    assert summary["elapsed"] == pytest.approx(tl.elapsed)
    assert summary["busy_time"] == pytest.approx(tl.busy_time)
    assert summary["waiting_time"] > 0.08
    assert "2 tasks" in repr(tl) and "'demo'" in repr(tl)
    assert tl.tasks is tl.tasks  # converted once, then cached


def test_importing_does_not_load_matplotlib() -> None:
    code = ("import sys, course_utils.tracing, course_utils.lag, course_utils.comparison, "
            "course_utils.plots; assert 'matplotlib' not in sys.modules; "
            "assert 'ipywidgets' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)


async def test_blocking_helper_in_a_thread_draws_no_running_row():
    from course_utils import sync_tools

    async with Timeline() as tl:
        await asyncio.to_thread(sync_tools.get_grades, 3)
    assert [t.label for t in tl.tasks] == []  # to_thread's own future is not a task
    with Timeline() as tl2:
        sync_tools.get_grades(3)
    assert [t.label for t in tl2.tasks] == ["get_grades"]
