"""Tests for ex21_structured_retry: parse() with a bounded retry on validation errors only."""

from __future__ import annotations

import asyncio
import json
from types import SimpleNamespace
from typing import Any

import pytest
from _helpers import expect_raises
from pydantic import BaseModel, ValidationError, field_validator

EXERCISE = "ex21_structured_retry"
RULE = "the summary must be a sentence of at least three words"


class Report(BaseModel):
    city: str
    summary: str

    @field_validator("summary")
    @classmethod
    def a_sentence(cls, summary: str) -> str:
        if len(summary.split()) < 3:
            raise ValueError(RULE)
        return summary


GOOD = {"city": "Oslo", "summary": "Mild and sunny all day."}
BAD = {"city": "Oslo", "summary": "Oslo"}


class FakeClient:
    """Looks like openai.AsyncOpenAI for chat.completions.parse(); plays a list of outcomes."""

    def __init__(self, *outcomes: Any):
        self.outcomes, self.requests = list(outcomes), []
        self.chat = self.completions = self

    async def parse(self, *, model, messages, response_format):
        self.requests.append(json.loads(json.dumps(messages)))
        await asyncio.sleep(0.3)
        outcome = self.outcomes[min(len(self.requests), len(self.outcomes)) - 1]
        if isinstance(outcome, BaseException):
            raise outcome
        if outcome == "refuse":
            message = SimpleNamespace(refusal="I can't help with that.", parsed=None, content=None)
        else:
            message = SimpleNamespace(refusal=None, content=json.dumps(outcome),
                                      parsed=response_format.model_validate_json(json.dumps(outcome)))
        return SimpleNamespace(choices=[SimpleNamespace(message=message, finish_reason="stop")])


async def test_valid_at_once(ex):
    """A valid first answer is returned as the typed object, after one request."""
    client = FakeClient(GOOD)
    report = await ex.ask_structured(client, "Weather report for Oslo", Report)
    assert isinstance(report, Report) and report.city == "Oslo", (
        f"ask_structured should return message.parsed (a Report), got {report!r}.")
    assert len(client.requests) == 1, f"One valid answer needs one request, not {len(client.requests)}."
    assert client.requests[0] == [{"role": "user", "content": "Weather report for Oslo"}], (
        "The first request holds just the question as a user message.")


async def test_retry_tells_the_model_what_was_wrong(ex):
    """After an invalid answer, the next request carries the question and the validation error."""
    client = FakeClient(BAD, GOOD)
    report = await ex.ask_structured(client, "Weather report for Oslo", Report)
    assert report == Report(**GOOD), f"The second, valid answer should be returned, got {report!r}."
    assert len(client.requests) == 2, f"Expected 2 requests (invalid, then valid), got {len(client.requests)}."
    retry = client.requests[1]
    assert retry[0] == {"role": "user", "content": "Weather report for Oslo"}, "Keep the question first."
    said = " ".join(str(m.get("content")) for m in retry[1:])
    assert RULE in said, (
        "The second request should tell the model what was wrong: add a user message with the "
        "validation error's text, so the model can fix exactly that.")


async def test_gives_up_after_max_attempts(ex):
    """Always invalid: exactly max_attempts requests, then the ValidationError."""
    client = FakeClient(BAD)
    with expect_raises(ValidationError, "the last ValidationError after 3 invalid answers"):
        async with asyncio.timeout(30):
            await ex.ask_structured(client, "Weather report for Oslo", Report, max_attempts=3)
    assert len(client.requests) == 3, (
        f"max_attempts=3 allows exactly 3 requests in all; your code made {len(client.requests)}.")


async def test_other_errors_are_not_retried(ex):
    """A timeout is not a validation problem: it leaves at once, after one request."""
    client = FakeClient(TimeoutError("the request timed out"), GOOD)
    try:
        await ex.ask_structured(client, "Weather report for Oslo", Report)
    except TimeoutError:
        pass
    else:
        raise AssertionError(
            f"The first request raised TimeoutError, but your code made {len(client.requests)} requests "
            f"and returned normally. Only a ValidationError is worth asking again: catch "
            f"ValidationError, not Exception, and let the TimeoutError through.")
    assert len(client.requests) == 1, (
        f"Only a ValidationError is worth asking again; after a TimeoutError your code made "
        f"{len(client.requests)} requests. Catch ValidationError, not Exception.")


async def test_a_refusal_is_not_retried(ex):
    """A refusal raises Refused at once."""
    client = FakeClient("refuse", GOOD)
    with expect_raises(ex.Refused, "Refused, raised when message.refusal is set"):
        await ex.ask_structured(client, "Weather report for Oslo", Report)
    assert len(client.requests) == 1, "Asking again will not change a refusal: one request only."


async def test_cancellation_passes_through(ex):
    """A caller's timeout stops the retry loop."""
    client = FakeClient(BAD)
    with expect_raises(TimeoutError, "the caller's TimeoutError while the request is running"):
        async with asyncio.timeout(0.45):
            await ex.ask_structured(client, "Weather report for Oslo", Report, max_attempts=5)
    assert len(client.requests) == 2, "The loop must stop when its caller is cancelled."
