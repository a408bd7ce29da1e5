"""The pictures of lessons 03 and 08 draw what really happens, not an illustration."""

from __future__ import annotations

import asyncio

import pytest

from course_utils.loop_diagram import ToyLoop, plot_steps, predict_the_order
from course_utils.ratelimit_plots import bucket_levels, plot_aimd, plot_bucket_levels, plot_sweep


def test_toy_loop_predicts_the_real_loops_order():
    async def cell() -> list[str]:
        loop = asyncio.get_running_loop()
        order: list[str] = []

        async def agent_step() -> None:
            order.append("task: first step")
            await asyncio.sleep(0.010)
            order.append("task: woke up after 1.0 s")

        loop.call_later(0.015, order.append, "call_later(1.5)")
        loop.call_later(0.005, order.append, "call_later(0.5)")
        loop.call_soon(order.append, "call_soon A")
        task = asyncio.create_task(agent_step())
        loop.call_soon(order.append, "call_soon B")
        order.append("cell: before its first await")
        await asyncio.sleep(0.020)
        order.append("cell: after the await")
        await task
        return order

    assert predict_the_order().output == asyncio.run(cell())


def test_toy_loop_runs_ready_callbacks_before_sleeping_and_timers_by_deadline():
    toy = ToyLoop()
    toy.call_later(2.0, "late")
    toy.call_later(1.0, "early")
    toy.call_soon("now")
    assert toy.run() == ["now", "early", "late"]
    assert toy.snapshots[0].select_timeout == 1.0  # nothing ready: select waits for the next timer
    assert toy.snapshots[-1].select_timeout is None


def test_bucket_replay_refills_to_capacity_and_goes_negative_on_overdraft():
    times, levels = bucket_levels([0.0, 0.0, 0.0], capacity=2, rate=1, start=0.0, end=5.0)
    assert min(levels) == pytest.approx(-1.0)  # three takes from a bucket of two
    assert levels[-1] == pytest.approx(2.0)    # refilled, capped at capacity
    assert times == sorted(times)
    _, paced = bucket_levels([0.0, 1.0, 2.0, 3.0], capacity=1, rate=1, start=0.0)
    assert min(paced) >= -1e-9                 # one take per refill never overdraws


def test_figures_draw():
    toy = predict_the_order()
    assert plot_steps(toy).axes
    assert plot_bucket_levels([0.1, 0.2], {"b": (5, 10)}, start=0.0, end=1.0).axes
    assert plot_aimd([(0.0, 1.0), (1.0, 2.0)], sustainable=3.0, start=0.0).axes
    assert len(plot_sweep({2: {"throughput": 3.0, "429s": 0}, 8: {"throughput": 9.0, "429s": 5}}, 10).axes) == 2


def test_lessons_03_and_04_on_eager_task_factory_hold_for_this_python():
    """Lessons 03 and 04: Python 3.12 added the opt-in ``asyncio.eager_task_factory`` (the first
    step runs inside ``create_task``, up to the first real wait); by default the step is queued."""
    import sys

    async def order(eager: bool) -> list[str]:
        loop = asyncio.get_running_loop()
        if eager:
            loop.set_task_factory(asyncio.eager_task_factory)
        seen: list[str] = []

        async def step() -> None:
            seen.append("first step")
            await asyncio.sleep(0)
            seen.append("after a wait")

        task = asyncio.create_task(step())
        seen.append("create_task returned")
        await task
        return seen

    assert asyncio.run(order(False)) == ["create_task returned", "first step", "after a wait"]
    if sys.version_info < (3, 12):
        assert not hasattr(asyncio, "eager_task_factory"), "3.11 has no eager task factory"
    else:
        assert asyncio.run(order(True)) == ["first step", "create_task returned", "after a wait"]
