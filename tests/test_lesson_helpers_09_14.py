"""The small helpers lessons 09-14 call: figures and the input() stand-in."""

from __future__ import annotations

import asyncio
import time

import pytest

from course_utils import Timeline, clock
from course_utils.cancel_flow import STEPS, draw_cancel_flow
from course_utils.pipeline_plots import draw_pipeline, journeys, plot_journeys, plot_queue_depth
from course_utils.stand_ins import typing_user
from course_utils.tracing import span


def test_cancel_flow_draws_the_six_steps_in_asyncio_order():
    fig = draw_cancel_flow()
    text = " ".join(t.get_text() for t in fig.axes[0].texts)
    assert len(STEPS) == 6
    positions = [text.index(what.split("\n")[0]) for _, what, _ in STEPS]
    assert positions == sorted(positions), "the steps are drawn top to bottom in order"
    assert "CancelledError" in text and "TimeoutError" in text


def test_pipeline_diagram_names_every_stage_and_its_workers():
    fig = draw_pipeline([("validate", 1), ("summarize", 2)], queue_size=4)
    text = [t.get_text() for t in fig.axes[0].texts]
    assert "validate" in text and "summarize" in text
    assert "1 worker" in text and "2 workers" in text
    assert sum("maxsize=4" in t for t in text) == 3  # a queue before, between and after


def test_queue_depth_plot_has_one_line_per_run():
    runs = {"a": {"depth": [(0.0, 0), (1.0, 3)], "done_at": 0.5}, "b": {"depth": [(0.0, 1), (1.0, 0)]}}
    fig = plot_queue_depth(runs)
    assert [line.get_label() for line in fig.axes[0].get_lines() if not line.get_label().startswith("_")] == ["a", "b"]


def test_journeys_read_stage_rows_from_a_timeline():
    async def main():
        async def work(stage, item):
            with span(f"{stage} #{item}"):
                await asyncio.sleep(0.01)

        async with Timeline() as tl:
            await asyncio.gather(work("summarize", 0), work("analyze", 0), work("summarize", 1),
                                 work("other", 2))
        return tl

    tl = asyncio.run(main())
    found = journeys(tl, ["summarize", "analyze"])
    assert sorted(i for i, _, _ in found["summarize"]) == [0, 1]
    assert [i for i, _, _ in found["analyze"]] == [0]
    assert all(end >= start for rows in found.values() for _, start, end in rows)
    assert plot_journeys(tl, ["summarize", "analyze"]).axes


def test_typing_user_blocks_like_input_then_says_quit(monkeypatch):
    monkeypatch.setattr(clock, "time_scale", lambda: 0.01)
    read_line = typing_user(["hello", "bye"], seconds_per_line=1.0)
    start = time.perf_counter()
    assert read_line("you> ") == "hello"
    assert time.perf_counter() - start >= 0.009, "it blocks its thread, as input() does"
    assert read_line() == "bye"
    assert read_line() == "quit" and read_line() == "quit"


@pytest.mark.parametrize("seconds", [0.0, 0.5])
def test_typing_user_accepts_any_pace(seconds, monkeypatch):
    monkeypatch.setattr(clock, "time_scale", lambda: 0.001)
    assert typing_user([], seconds_per_line=seconds)() == "quit"
