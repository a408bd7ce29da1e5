"""Tests for ex20_stream_endpoint: stream the answer, but refuse with a real status before it starts."""

from __future__ import annotations

import asyncio
import json

import httpx
from _helpers import now

from course_utils.faults import RateLimitError, ServerError

EXERCISE = "ex20_stream_endpoint"


def answer_with(tokens: list[str], gap: float = 0.0, error: Exception | None = None):
    """answer(question): an async generator of ``tokens`` (``gap`` s apart), or raising ``error``."""
    questions: list[str] = []

    def answer(question: str):
        questions.append(question)

        async def gen():
            if error is not None:
                await asyncio.sleep(0.05)
                raise error
            for token in tokens:
                await asyncio.sleep(gap)
                yield token
        return gen()

    answer.questions = questions  # type: ignore[attr-defined]
    return answer


def client(app) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://assistant.test")


async def test_streams_the_answer(ex):
    """A good answer: status 200, text/plain, the tokens joined, and the question was passed on."""
    answer = answer_with(["Async ", "lets ", "one ", "thread ", "wait."], gap=0.1)
    async with client(ex.make_app(answer)) as c:
        response = await c.post("/ask", json={"question": "What is async?"})
    assert response.status_code == 200, f"Expected 200, got {response.status_code}: {response.text[:200]}"
    assert response.text == "Async lets one thread wait.", f"The body should be the tokens joined, got {response.text!r}."
    assert response.headers["content-type"].startswith("text/plain"), "Stream with media_type='text/plain'."
    assert answer.questions == ["What is async?"], f"answer() should get the question, got {answer.questions!r}."


async def test_a_rate_limit_becomes_a_429(ex):
    """The model refuses before the first token: the client gets 429 and the reason, not a broken 200."""
    answer = answer_with([], error=RateLimitError("Rate limit reached; retry after 2.00 s", retry_after=2.0))
    async with client(ex.make_app(answer)) as c:
        response = await c.post("/ask", json={"question": "q"})
    assert response.status_code == 429, (
        f"Expected status 429, got {response.status_code}. Get the first token *before* returning the "
        f"StreamingResponse, and turn an LLMError into HTTPException(status_code=error.status_code, ...).")
    assert "Rate limit" in response.json().get("detail", ""), "The JSON body should carry the error message as 'detail'."


async def test_a_server_error_keeps_its_status(ex):
    """An overloaded model (503) is reported as 503."""
    answer = answer_with([], error=ServerError("The model is overloaded", status_code=503))
    async with client(ex.make_app(answer)) as c:
        response = await c.post("/ask", json={"question": "q"})
    assert response.status_code == 503, f"Expected 503 (the error's status_code), got {response.status_code}."


async def test_metrics_count_answers_and_refusals(ex):
    """Two streamed answers and one refusal: /metrics says answered 2, failed 1."""
    answers = [answer_with(["ok"]), answer_with(["ok", "!"]), answer_with([], error=ServerError("boom"))]
    calls = iter(answers)
    app = ex.make_app(lambda question: next(calls)(question))
    async with client(app) as c:
        for _ in range(3):
            await c.post("/ask", json={"question": "q"})
        metrics = (await c.get("/metrics")).json()
    assert metrics == {"answered": 2, "failed": 1}, f"Expected {{'answered': 2, 'failed': 1}}, got {metrics!r}."


async def test_sends_each_token_as_it_comes(ex):
    """Tokens 1 s apart: the response starts with the first token (1 s), not after the last (3 s)."""
    app = ex.make_app(answer_with(["first ", "second ", "third"], gap=1.0))
    sent: list[tuple[float, dict]] = []
    start = now()
    request = {"type": "http.request", "body": json.dumps({"question": "q"}).encode(), "more_body": False}
    delivered = False

    async def receive():
        nonlocal delivered
        if not delivered:
            delivered = True
            return request
        await asyncio.Event().wait()  # the client never disconnects

    async def send(message):
        sent.append((now() - start, message))

    scope = {"type": "http", "asgi": {"version": "3.0", "spec_version": "2.4"}, "http_version": "1.1",
             "method": "POST", "scheme": "http", "path": "/ask", "raw_path": b"/ask", "query_string": b"",
             "root_path": "", "headers": [(b"host", b"assistant.test"), (b"content-type", b"application/json")],
             "client": ("127.0.0.1", 50000), "server": ("assistant.test", 80)}
    await app(scope, receive, send)
    chunks = [(t, m.get("body", b"")) for t, m in sent if m["type"] == "http.response.body" and m.get("body")]
    assert chunks, "The response has no body."
    first_time, first_body = chunks[0]
    assert b"first" in first_body and abs(first_time - 1.0) < 1e-6, (
        f"The first body bytes left at {first_time:.2f} s; the first token was ready at 1.0. Yield each "
        f"token from the StreamingResponse's generator instead of collecting the whole answer first.")
    assert b"".join(body for _, body in chunks) == b"first second third"
