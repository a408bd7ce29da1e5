"""Tests for ex13_ask_many: one shared AsyncClient, a sliding window, a deadline per request."""

from __future__ import annotations

import asyncio
import heapq
import json

import httpx
import pytest
from _helpers import Probe, Timer, assert_no_leftovers, expect_raises

from course_utils import settings

EXERCISE = "ex13_ask_many"
QUESTIONS = [f"What is in report {i}?" for i in range(12)]
#: Seconds per request on the fake server: every fourth question is slow, so batches waste slots.
LATENCY = {q: (1.5 if i % 4 == 0 else 0.5) for i, q in enumerate(QUESTIONS)}


def sliding_window(durations: list[float], slots: int) -> float:
    """How long the requests take in order with `slots` at a time, each starting when one is free."""
    free = [0.0] * slots
    for d in durations:
        heapq.heappush(free, heapq.heappop(free) + d)
    return max(free)


class FakeServer:
    """An OpenAI-compatible endpoint inside httpx (MockTransport): no network, course-time latency."""

    def __init__(self, fail_on: str | None = None, latency: dict[str, float] | None = None):
        self.probe = Probe()
        self.bodies: list[dict] = []
        self.paths: list[str] = []
        self.fail_on = fail_on
        self.latency = latency or LATENCY

    async def handle(self, request: httpx.Request) -> httpx.Response:
        self.paths.append(request.url.path)
        body = json.loads(request.content)
        self.bodies.append(body)
        question = body["messages"][-1]["content"]
        async with self.probe.track(question):
            await asyncio.sleep(self.latency.get(question, 0.5))
        if question == self.fail_on:
            return httpx.Response(500, json={"error": {"message": "boom", "type": "server_error"}})
        return httpx.Response(200, json={"object": "chat.completion", "model": body["model"], "choices": [
            {"index": 0, "message": {"role": "assistant", "content": f"answer to {question}"},
             "finish_reason": "stop"}]})

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url="http://course.test/v1", transport=httpx.MockTransport(self.handle))


async def test_answers_in_question_order(ex):
    """One answer per question, in the order of the questions."""
    server = FakeServer()
    async with server.client() as client:
        answers = await ex.ask_many(client, QUESTIONS, 3)
    assert answers == [f"answer to {q}" for q in QUESTIONS], (
        f"Expected the answers in question order, got {answers[:3]!r}...")


async def test_request_shape(ex):
    """Each request is a POST to /v1/chat/completions with the model and the user message."""
    server = FakeServer()
    async with server.client() as client:
        await ex.ask_many(client, QUESTIONS[:2], 2)
    assert server.paths and set(server.paths) == {"/v1/chat/completions"}, (
        f"Requests went to {sorted(set(server.paths))}; POST to the relative URL \"/chat/completions\".")
    body = server.bodies[0]
    assert body.get("model") == settings().model, f"The body's model should be settings().model, got {body.get('model')!r}."
    assert body.get("messages") in ([{"role": "user", "content": QUESTIONS[0]}],
                                    [{"role": "user", "content": QUESTIONS[1]}]), (
        f"messages should be [{{'role': 'user', 'content': question}}], got {body.get('messages')!r}.")


@pytest.mark.parametrize("limit", [1, 3, 5])
async def test_limit_is_respected_and_used(ex, limit):
    """Never more than `limit` requests in flight, and `limit` while questions are waiting."""
    server = FakeServer()
    async with server.client() as client:
        with Timer() as t:
            await ex.ask_many(client, QUESTIONS, limit)
    assert server.probe.peak <= limit, (
        f"{server.probe.peak} requests were in flight with limit={limit}: each request must hold a "
        f"slot of one shared semaphore.")
    assert server.probe.peak == limit, (
        f"Only {server.probe.peak} request(s) ran at once though limit={limit} and questions were waiting.")
    ideal = sliding_window([LATENCY[q] for q in QUESTIONS], limit)
    assert t.elapsed <= ideal + 0.05, (
        f"It took {t.elapsed:.2f} s; {limit} at a time, each new request starting as soon as one ends, "
        f"takes {ideal:.2f}. Sending the questions batch by batch makes every batch wait for its "
        f"slowest request while the other slots stand idle.")


async def test_error_status_raises(ex):
    """A 500 from the server reaches the caller as httpx.HTTPStatusError."""
    server = FakeServer(fail_on=QUESTIONS[4])
    async with server.client() as client:
        with expect_raises((httpx.HTTPStatusError, ExceptionGroup), "httpx.HTTPStatusError for the 500 "
                           "response (response.raise_for_status())") as info:
            await ex.ask_many(client, QUESTIONS[:6], 2)
    if isinstance(info.value, ExceptionGroup):
        assert info.value.subgroup(httpx.HTTPStatusError) is not None, (
            f"The ExceptionGroup should hold the httpx.HTTPStatusError, got {info.value!r}.")


async def test_a_slow_request_times_out_alone(ex):
    """A request slower than `timeout` is cancelled at the deadline and answered None; the rest arrive."""
    questions = ["quick one", "stuck one", "quick two"]
    server = FakeServer(latency={"quick one": 0.5, "stuck one": 60.0, "quick two": 0.5})
    async with server.client() as client:
        with Timer() as t:
            try:
                answers = await ex.ask_many(client, questions, 3, timeout=2.0)
            except TimeoutError:
                raise AssertionError("The TimeoutError of one slow request reached the caller; that request's "
                                     "answer should be None, and the other questions carry on.") from None
    assert answers == ["answer to quick one", None, "answer to quick two"], (
        f"Expected the two quick answers and None for the stuck request, got {answers!r}.")
    assert abs(t.elapsed - 2.0) < 0.05, (
        f"It took {t.elapsed:.2f} s; the stuck request should be given up after timeout=2.0 s. httpx "
        f"has no overall deadline: put asyncio.timeout around the request.")
    assert server.probe.cancelled == 1, "The timed-out request was not cancelled."
    await assert_no_leftovers("ask_many")


async def test_waiting_for_a_slot_does_not_count(ex):
    """The deadline covers the request itself, not the time spent waiting for a free slot."""
    questions = [f"q{i}" for i in range(3)]
    server = FakeServer(latency={q: 1.5 for q in questions})
    async with server.client() as client:
        answers = await ex.ask_many(client, questions, 1, timeout=2.0)
    assert None not in answers, (
        f"With limit=1 each 1.5 s request fits its 2.0 s deadline, but some were answered None "
        f"({answers!r}): the time spent waiting for a slot was counted. Start the deadline inside the "
        f"semaphore, when the request is sent.")
