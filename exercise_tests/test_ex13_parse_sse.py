"""Tests for ex13_parse_sse: Server-Sent Events lines -> the answer's text."""

from __future__ import annotations

import json

import pytest
from _helpers import expect_raises

from course_utils.faults import StreamInterrupted

EXERCISE = "ex13_parse_sse"
TOKENS = ["Streaming", " shows", " the", " first", " words", " early", "."]


def chunk(delta: dict | None = None, finish: str | None = None, choices: bool = True) -> str:
    payload = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "model": "sim-fast"}
    payload["choices"] = [{"index": 0, "delta": delta or {}, "finish_reason": finish}] if choices else []
    if not choices:
        payload["usage"] = {"prompt_tokens": 5, "completion_tokens": len(TOKENS), "total_tokens": 12}
    return "data: " + json.dumps(payload)


def event_lines(tokens=TOKENS, *, done=True, extras=True) -> list[str]:
    lines = [chunk({"role": "assistant", "content": ""}), ""]
    for i, token in enumerate(tokens):
        lines += [chunk({"content": token}), ""]
        if extras and i == 2:
            lines += [": keep-alive", ""]
    lines += [chunk({}, finish="stop"), ""]
    if extras:
        lines += [chunk(choices=False), ""]
    if done:
        lines += ["data: [DONE]", ""]
    return lines


class Lines:
    """An async iterator over lines that records how far it was read."""

    def __init__(self, lines: list[str], poison_after_done: bool = True):
        self.lines = list(lines)
        self.read = 0
        self.read_past_done = False
        self.poison = poison_after_done

    def __aiter__(self):
        return self

    async def __anext__(self) -> str:
        if self.read >= len(self.lines):
            raise StopAsyncIteration
        line = self.lines[self.read]
        self.read += 1
        if self.poison and self.read > 1 and self.lines[self.read - 2] == "data: [DONE]":
            self.read_past_done = True
        return line


async def test_plain_stream(ex):
    """The content pieces, joined, in order."""
    text = await ex.sse_text(Lines(event_lines(extras=False)))
    assert text.strip() == "".join(TOKENS).strip(), f"Expected {''.join(TOKENS)!r}, got {text!r}."


async def test_skips_comments_blank_lines_and_empty_chunks(ex):
    """Comments, blank lines, the role chunk, the finish chunk and the usage chunk add nothing."""
    text = await ex.sse_text(Lines(event_lines()))
    assert text.strip() == "".join(TOKENS).strip(), (
        f"Expected {''.join(TOKENS)!r}, got {text!r}. Skip lines that do not start with 'data:', and "
        f"chunks whose choices list is empty or whose delta has no content.")


async def test_data_without_space(ex):
    """`data:{...}` (no space after the colon) is a data line too."""
    lines = [line.replace("data: ", "data:", 1) for line in event_lines(extras=False)]
    try:
        text = await ex.sse_text(Lines(lines))
    except StreamInterrupted:
        raise AssertionError("With lines like `data:{...}` your code found no [DONE] and raised "
                             "StreamInterrupted: the space after the colon is optional.") from None
    assert text.strip() == "".join(TOKENS).strip(), f"With 'data:' and no space, expected {''.join(TOKENS)!r}, got {text!r}."


async def test_stops_at_done(ex):
    """Nothing after [DONE] is read: the answer is over."""
    lines = Lines(event_lines() + [chunk({"content": " EXTRA"}), ""])
    text = await ex.sse_text(lines)
    assert "EXTRA" not in text and not lines.read_past_done, (
        "Your code kept reading after `data: [DONE]`; return as soon as it arrives.")


@pytest.mark.parametrize("cut_after", [0, 4])
async def test_cut_stream_raises(ex, cut_after):
    """Lines that end without [DONE] mean a cut connection: StreamInterrupted with the count."""
    lines = event_lines(TOKENS[:cut_after], done=False, extras=False)[:-2]   # no finish chunk either
    with expect_raises(StreamInterrupted, "StreamInterrupted when the lines run out before [DONE] (the "
                       "connection was cut: the text so far is not the whole answer)") as info:
        await ex.sse_text(Lines(lines))
    assert info.value.tokens_received == cut_after, (
        f"tokens_received should be {cut_after} (content pieces received), got {info.value.tokens_received}.")
