"""Tests for ex13_ask_many: one shared AsyncClient, bounded concurrency, answers in order."""

from __future__ import annotations

import asyncio
import json
import math

import httpx
import pytest
from _helpers import Probe, Timer

from course_utils import settings

EXERCISE = "ex13_ask_many"
QUESTIONS = [f"What is in report {i}?" for i in range(12)]
LATENCY = 0.5  # seconds per request on the fake server


class FakeServer:
    """An OpenAI-compatible endpoint inside httpx (MockTransport): no network, course-time latency."""

    def __init__(self, fail_on: str | None = None):
        self.probe = Probe()
        self.bodies: list[dict] = []
        self.paths: list[str] = []
        self.fail_on = fail_on

    async def handle(self, request: httpx.Request) -> httpx.Response:
        self.paths.append(request.url.path)
        body = json.loads(request.content)
        self.bodies.append(body)
        question = body["messages"][-1]["content"]
        async with self.probe.track(question):
            await asyncio.sleep(LATENCY)
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
    ideal = math.ceil(len(QUESTIONS) / limit) * LATENCY
    assert t.elapsed <= ideal + 0.05, f"It took {t.elapsed:.2f} s; {limit} at a time takes {ideal:.2f}."


async def test_error_status_raises(ex):
    """A 500 from the server reaches the caller as httpx.HTTPStatusError."""
    server = FakeServer(fail_on=QUESTIONS[4])
    async with server.client() as client:
        with pytest.raises(httpx.HTTPStatusError):
            await ex.ask_many(client, QUESTIONS[:6], 2)
