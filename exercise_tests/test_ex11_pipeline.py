"""Tests for ex11_pipeline: read -> bounded queue -> summarizers, with backpressure and clean errors."""

from __future__ import annotations

import asyncio

import pytest
from _helpers import Probe, Timer, assert_no_leftovers, expect_raises


EXERCISE = "ex11_pipeline"
NAMES = [f"doc{i}.md" for i in range(10)]


class ModelRefused(Exception):
    """The fake model's failure."""


class Stages:
    """Instrumented read and summarize functions."""

    def __init__(self, read_time: float = 0.1, summarize_time: float = 1.0,
                 fail_read: str | None = None, fail_summary: str | None = None) -> None:
        self.read_time, self.summarize_time = read_time, summarize_time
        self.fail_read, self.fail_summary = fail_read, fail_summary
        self.reads = Probe()
        self.summaries = Probe()
        self.max_ahead = 0
        self.finished_summaries = 0
        self.reads_started = 0

    async def read(self, name: str) -> str:
        self.reads_started += 1
        self.max_ahead = max(self.max_ahead, self.reads_started - self.finished_summaries)
        async with self.reads.track(name):
            await asyncio.sleep(self.read_time)
            if name == self.fail_read:
                raise FileNotFoundError(name)
            return f"text of {name}"

    async def summarize(self, text: str) -> str:
        async with self.summaries.track(text):
            await asyncio.sleep(self.summarize_time)
            if self.fail_summary and self.fail_summary in text:
                raise ModelRefused("the model refused")
            self.finished_summaries += 1
            return text.upper()


async def test_every_document_summarised_in_order(ex):
    """Each document gets its summary, and the dict's keys follow the order of the names."""
    s = Stages()
    out = await ex.summarize_documents(NAMES, s.read, s.summarize)
    assert isinstance(out, dict), f"summarize_documents should return a dict, got {type(out).__name__}."
    assert list(out) == NAMES, "The keys should be the document names, in the order they were given."
    assert out == {n: f"TEXT OF {n}".upper() for n in NAMES}, "Some summaries do not match their document."
    await assert_no_leftovers("summarize_documents")


async def test_backpressure(ex):
    """With a bounded queue the reader never runs far ahead of the summarizers."""
    s = Stages()
    await ex.summarize_documents(NAMES, s.read, s.summarize, queue_size=2, summarizers=2)
    limit = 2 + 2 + 1  # in the queue, being summarised, in the reader's hand
    assert s.max_ahead <= limit, (
        f"The reader got {s.max_ahead} documents ahead of the finished summaries; with queue_size=2 and "
        f"2 summarizers it can be at most {limit} ahead. Use asyncio.Queue(maxsize=queue_size) and await put().")


@pytest.mark.parametrize("summarizers", [1, 3])
async def test_summarizers_run_in_parallel(ex, summarizers):
    """Exactly `summarizers` summaries run at once, and the whole job takes about the ideal time."""
    s = Stages()
    with Timer() as t:
        await ex.summarize_documents(NAMES, s.read, s.summarize, queue_size=2, summarizers=summarizers)
    assert s.summaries.peak == summarizers, (
        f"{s.summaries.peak} summaries ran at once with summarizers={summarizers}.")
    rounds = -(-len(NAMES) // summarizers)
    ideal = s.read_time + rounds * s.summarize_time
    assert t.elapsed <= 1.2 * ideal, f"The pipeline took {t.elapsed:.2f} s; about {ideal:.2f} is possible."


async def test_read_error_stops_everything(ex):
    """A failing read raises (alone or in an ExceptionGroup), without hanging or leftover tasks."""
    s = Stages(fail_read="doc3.md")
    with expect_raises((FileNotFoundError, ExceptionGroup), "the reader's FileNotFoundError to reach "
                       "the caller") as info:
        await ex.summarize_documents(NAMES, s.read, s.summarize)
    if isinstance(info.value, ExceptionGroup):
        assert info.value.subgroup(FileNotFoundError) is not None, (
            "The ExceptionGroup should contain the FileNotFoundError.")
    await assert_no_leftovers("summarize_documents (after an error)")


async def test_summary_error_stops_everything(ex):
    """A failing summary raises too, promptly, and every other task is stopped."""
    s = Stages(fail_summary="doc1.md")
    with Timer() as t:
        with expect_raises((ModelRefused, ExceptionGroup), "the model's error to reach the caller") as info:
            await ex.summarize_documents(NAMES, s.read, s.summarize)
    if isinstance(info.value, ExceptionGroup):
        assert info.value.subgroup(ModelRefused) is not None, "The ExceptionGroup should contain the model's error."
    assert t.elapsed < 3.0, f"The error surfaced only after {t.elapsed:.2f} s; stop at the first error."
    await assert_no_leftovers("summarize_documents (after an error)")
