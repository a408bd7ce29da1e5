"""Tests for ex12_stream_deadline: keep what arrived within a budget, close the stream."""

from __future__ import annotations

import pytest
from _helpers import Timer, assert_no_leftovers, now

from course_utils.llm import SimulatedLLM

EXERCISE = "ex12_stream_deadline"
PROMPT = "Why does a chat agent stream its answers?"


class TrackedStream:
    """Wraps a TokenStream and notices aclose() and the natural end."""

    def __init__(self, inner):
        self.inner = inner
        self.closed = False
        self.exhausted = False

    def __aiter__(self):
        return self

    async def __anext__(self):
        try:
            return await self.inner.__anext__()
        except StopAsyncIteration:
            self.exhausted = True
            raise

    async def aclose(self):
        self.closed = True
        await self.inner.aclose()

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        await self.aclose()

    def __getattr__(self, name):
        return getattr(self.inner, name)


class TrackedLLM(SimulatedLLM):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.streams = []

    def stream(self, prompt, **kwargs):
        stream = TrackedStream(super().stream(prompt, **kwargs))
        self.streams.append(stream)
        return stream


async def reference(prompt):
    llm = SimulatedLLM()
    start = now()
    tokens, times = [], []
    async for token in llm.stream(prompt):
        tokens.append(token)
        times.append(now() - start)
    return tokens, times


async def test_whole_answer_within_a_generous_budget(ex):
    """Given plenty of time, the whole answer comes back, marked complete."""
    tokens, times = await reference(PROMPT)
    llm = TrackedLLM()
    with Timer() as t:
        result = await ex.stream_with_deadline(llm, PROMPT, times[-1] * 3)
    assert isinstance(result, tuple) and len(result) == 2, f"Return a tuple (text, complete), got {result!r}."
    text, complete = result
    assert text == "".join(tokens).strip() and complete is True, (
        f"Expected the whole answer and complete=True, got ({text[:40]!r}..., {complete!r}).")
    assert t.elapsed <= times[-1] + 0.05, (
        f"It took {t.elapsed:.2f} s though the answer was done after {times[-1]:.2f} s: return "
        f"when the stream ends, not when the budget runs out.")


@pytest.mark.parametrize("cut_after", [5, 20])
async def test_partial_answer_when_time_runs_out(ex, cut_after):
    """With a short budget: the tokens that arrived in time, complete=False, returned on time."""
    tokens, times = await reference(PROMPT)
    budget = (times[cut_after - 1] + times[cut_after]) / 2   # between two tokens
    llm = TrackedLLM()
    with Timer() as t:
        text, complete = await ex.stream_with_deadline(llm, PROMPT, budget)
    expected = "".join(tokens[:cut_after]).strip()
    assert complete is False, "The answer was cut by the deadline: complete must be False."
    assert text == expected, (
        f"Expected the {cut_after} tokens that arrived within {budget:.2f} s: {expected!r}; got {text!r}."
        + (" A token that arrives after the deadline does not count: stop waiting when the budget is "
           "spent (asyncio.timeout) instead of looking at the clock when the next token arrives."
           if text.startswith(expected) and len(text) > len(expected) else ""))
    assert abs(t.elapsed - budget) < 0.05, (
        f"It returned after {t.elapsed:.2f} s; the budget was {budget:.2f} s. Stop waiting "
        f"when the budget is spent.")
    assert llm.streams and llm.streams[0].closed, (
        "The stream was not closed after the deadline: wrap it in `async with aclosing(...)`.")
    await assert_no_leftovers("stream_with_deadline")


async def test_nothing_arrived(ex):
    """A budget shorter than the time to first token gives ("", False)."""
    _, times = await reference(PROMPT)
    text, complete = await ex.stream_with_deadline(TrackedLLM(), PROMPT, times[0] / 2)
    assert (text, complete) == ("", False), f"Nothing arrived in time: expected ('', False), got {(text, complete)!r}."


async def test_stream_closed_when_complete(ex):
    """Even when the answer is complete, the stream ends up closed or fully read."""
    llm = TrackedLLM()
    await ex.stream_with_deadline(llm, PROMPT, 100.0)
    stream = llm.streams[0]
    assert stream.closed or stream.exhausted, "The stream was neither read to the end nor closed."
