"""Tests for ex12_first_sentence: stop a stream after its first sentence and close it."""

from __future__ import annotations

import pytest
from _helpers import Timer, now

from course_utils.llm import SimulatedLLM

EXERCISE = "ex12_first_sentence"
PROMPTS = ["Why does a chat agent stream its answers?",
           "Summarize: event loops let one thread wait for many sockets.",
           "Tell me about rate limits"]
ENDS = (".", "!", "?")


class TrackedStream:
    """Wraps a TokenStream: counts the tokens read and notices aclose()."""

    def __init__(self, inner):
        self.inner = inner
        self.pulled = 0
        self.closed = False
        self.exhausted = False

    def __aiter__(self):
        return self

    async def __anext__(self):
        try:
            token = await self.inner.__anext__()
        except StopAsyncIteration:
            self.exhausted = True
            raise
        self.pulled += 1
        return token

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
    def __init__(self, *args, max_tokens=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.streams = []
        self._max_tokens = max_tokens

    def stream(self, prompt, **kwargs):
        if self._max_tokens is not None:
            kwargs.setdefault("max_tokens", self._max_tokens)
        stream = TrackedStream(super().stream(prompt, **kwargs))
        self.streams.append(stream)
        return stream


async def reference(prompt, max_tokens=None):
    """Tokens of the answer and when each arrived (seconds), from a twin client."""
    llm = SimulatedLLM()
    start = now()
    tokens, times = [], []
    async for token in llm.stream(prompt, max_tokens=max_tokens):
        tokens.append(token)
        times.append(now() - start)
    return tokens, times


def first_end(tokens):
    return next((i for i, t in enumerate(tokens) if t.strip() in ENDS), len(tokens) - 1)


@pytest.mark.parametrize("prompt", PROMPTS)
async def test_returns_the_first_sentence(ex, prompt):
    """The text up to and including the first sentence end, joined and stripped."""
    tokens, _ = await reference(prompt)
    expected = "".join(tokens[: first_end(tokens) + 1]).strip()
    got = await ex.first_sentence(TrackedLLM(), prompt)
    assert got == expected, f"Expected the first sentence {expected!r}, got {got!r}."


async def test_returns_as_soon_as_the_sentence_ends(ex):
    """It returns when the sentence-ending token arrives, without reading further."""
    prompt = PROMPTS[0]
    tokens, times = await reference(prompt)
    end = first_end(tokens)
    llm = TrackedLLM()
    with Timer() as t:
        await ex.first_sentence(llm, prompt)
    stream = llm.streams[0]
    assert stream.pulled == end + 1, (
        f"Your code read {stream.pulled} tokens; the first sentence ends at token {end + 1}. Stop "
        f"reading as soon as the sentence is complete.")
    assert t.elapsed <= times[end] + 0.05, (
        f"first_sentence took {t.elapsed:.2f} s, but the sentence was complete after "
        f"{times[end]:.2f} s (the whole answer takes {times[-1]:.2f} s).")


async def test_closes_the_stream(ex):
    """The stream is closed before first_sentence returns, so its connection is released."""
    llm = TrackedLLM()
    await ex.first_sentence(llm, PROMPTS[1])
    assert len(llm.streams) == 1, f"Expected exactly one llm.stream(...) call, got {len(llm.streams)}."
    assert llm.streams[0].closed, (
        "You stopped reading but the stream was never closed: `break` alone leaves an async "
        "iterator suspended. Use `async with aclosing(llm.stream(prompt)) as stream:` (or await "
        "stream.aclose()).")


async def test_no_sentence_end_returns_everything(ex):
    """An answer without '.', '!' or '?' comes back whole."""
    tokens, _ = await reference(PROMPTS[0], max_tokens=4)
    assert not any(t.strip() in ENDS for t in tokens)
    got = await ex.first_sentence(TrackedLLM(max_tokens=4), PROMPTS[0])
    assert got == "".join(tokens).strip(), (
        f"With no sentence end the whole text should come back: {''.join(tokens).strip()!r}, got {got!r}.")
