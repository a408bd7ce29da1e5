"""Tests for ex20_stream_endpoint: stream the answer, but refuse with a real status before it starts."""

from __future__ import annotations

import asyncio
import json

import httpx
from _helpers import Timer, now

from course_utils.faults import LLMError, RateLimitError, ServerError

EXERCISE = "ex20_stream_endpoint"


class Answer:
    """answer(question) for the app: async generators of ``tokens`` (``gap`` s apart) that may
    raise ``error`` before the first token, or ``cut`` after ``cut_after`` tokens. Records the
    questions, the tokens produced and whether each generator was closed."""

    def __init__(self, tokens: list[str], gap: float = 0.0, error: Exception | None = None,
                 cut: Exception | None = None, cut_after: int = 0) -> None:
        self.tokens, self.gap, self.error, self.cut, self.cut_after = tokens, gap, error, cut, cut_after
        self.questions: list[str] = []
        self.produced = 0
        self.closed = 0

    def __call__(self, question: str):
        self.questions.append(question)

        async def gen():
            try:
                if self.error is not None:
                    await asyncio.sleep(0.05)
                    raise self.error
                for i, token in enumerate(self.tokens):
                    if self.cut is not None and i == self.cut_after:
                        await asyncio.sleep(self.gap)
                        raise self.cut
                    await asyncio.sleep(self.gap)
                    self.produced += 1
                    yield token
            finally:
                self.closed += 1
        return gen()


def answer_with(tokens: list[str], gap: float = 0.0, error: Exception | None = None) -> Answer:
    return Answer(tokens, gap, error)


SCOPE = {"type": "http", "asgi": {"version": "3.0", "spec_version": "2.3"}, "http_version": "1.1",
         "method": "POST", "scheme": "http", "path": "/ask", "raw_path": b"/ask", "query_string": b"",
         "root_path": "", "headers": [(b"host", b"assistant.test"), (b"content-type", b"application/json")],
         "client": ("127.0.0.1", 50000), "server": ("assistant.test", 80)}


async def raw_ask(app, *, disconnect_at: float | None = None) -> tuple[list[tuple[float, dict]], BaseException | None]:
    """POST /ask straight through ASGI, as uvicorn does (spec 2.3): the messages the app sent, with
    their times, and what the app raised. ``disconnect_at``: the client leaves then."""
    sent: list[tuple[float, dict]] = []
    start = now()
    request = {"type": "http.request", "body": json.dumps({"question": "q"}).encode(), "more_body": False}
    delivered = False

    async def receive():
        nonlocal delivered
        if not delivered:
            delivered = True
            return request
        if disconnect_at is None:
            await asyncio.Event().wait()  # the client never disconnects
        await asyncio.sleep(max(0.0, disconnect_at - (now() - start)))
        return {"type": "http.disconnect"}

    async def send(message):
        sent.append((now() - start, message))

    raised = None
    try:
        await app(dict(SCOPE), receive, send)
    except Exception as error:  # noqa: BLE001 - what escaped the app is what a server would see
        raised = error
    return sent, raised


def client(app) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://assistant.test")


LATE = ("The model's {kind} surfaced only after the response had started (status 200 already sent), so "
        "the client could not be told {status}. Get the first token *before* returning the "
        "StreamingResponse, and turn an LLMError into HTTPException(status_code=error.status_code, ...).")


async def post(c: httpx.AsyncClient, status: int) -> httpx.Response:
    try:
        return await c.post("/ask", json={"question": "q"})
    except LLMError as error:
        raise AssertionError(LATE.format(kind=type(error).__name__, status=status)) from None


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
        response = await post(c, 429)
    assert response.status_code == 429, (
        f"Expected status 429, got {response.status_code}. Get the first token *before* returning the "
        f"StreamingResponse, and turn an LLMError into HTTPException(status_code=error.status_code, ...).")
    assert "Rate limit" in response.json().get("detail", ""), "The JSON body should carry the error message as 'detail'."


async def test_a_server_error_keeps_its_status(ex):
    """An overloaded model (503) is reported as 503."""
    answer = answer_with([], error=ServerError("The model is overloaded", status_code=503))
    async with client(ex.make_app(answer)) as c:
        response = await post(c, 503)
    assert response.status_code == 503, f"Expected 503 (the error's status_code), got {response.status_code}."


async def test_metrics_count_answers_and_refusals(ex):
    """Two streamed answers and one refusal: /metrics says answered 2, failed 1."""
    answers = [answer_with(["ok"]), answer_with(["ok", "!"]), answer_with([], error=ServerError("boom"))]
    calls = iter(answers)
    app = ex.make_app(lambda question: next(calls)(question))
    async with client(app) as c:
        for _ in range(3):
            await post(c, 500)
        metrics = (await c.get("/metrics")).json()
    assert metrics == {"answered": 2, "failed": 1}, f"Expected {{'answered': 2, 'failed': 1}}, got {metrics!r}."


async def test_sends_each_token_as_it_comes(ex):
    """Tokens 1 s apart: the response starts with the first token (1 s), not after the last (3 s)."""
    app = ex.make_app(answer_with(["first ", "second ", "third"], gap=1.0))
    sent, raised = await raw_ask(app)
    if raised is not None:
        raise raised
    chunks = [(t, m.get("body", b"")) for t, m in sent if m["type"] == "http.response.body" and m.get("body")]
    assert chunks, "The response has no body."
    first_time, first_body = chunks[0]
    assert b"first" in first_body and abs(first_time - 1.0) < 1e-6, (
        f"The first body bytes left at {first_time:.2f} s; the first token was ready at 1.0. Yield each "
        f"token from the StreamingResponse's generator instead of collecting the whole answer first.")
    assert b"".join(body for _, body in chunks) == b"first second third"


async def metrics_of(app) -> dict:
    async with client(app) as c:
        return (await c.get("/metrics")).json()


async def test_a_client_that_leaves_is_not_an_answer(ex):
    """The client disconnects after 2.5 s of a 5-token answer: nothing is counted, the model stops."""
    answer = Answer(["one ", "two ", "three ", "four ", "five"], gap=1.0)
    app = ex.make_app(answer)
    with Timer() as t:
        sent, raised = await raw_ask(app, disconnect_at=2.5)
    metrics = await metrics_of(app)
    assert metrics.get("answered") == 0, (
        f"The client left after 2 of 5 tokens, yet /metrics counts it as answered ({metrics!r}). Count an "
        f"answer only when the whole answer was streamed: after the loop in the generator, not when "
        f"the response starts and not in a finally block.")
    assert metrics.get("failed") == 0, (
        f"A client that leaves is not a failure of the model, yet /metrics says {metrics!r}. A "
        f"disconnect cancels the streaming: do not catch that CancelledError as an error.")
    assert answer.produced <= 3 and answer.closed == 1 and t.elapsed < 3.5, (
        f"After the client left at 2.5 s, the model produced {answer.produced} of 5 tokens and its generator "
        f"was {'closed' if answer.closed else 'never closed'}: stop reading and close it (await "
        f"tokens.aclose() in a finally block) so the model call stops.")


async def test_a_mid_stream_failure_counts_as_failed(ex):
    """The model breaks off after two tokens: the request counts as failed, not answered."""
    answer = Answer(["one ", "two ", "three "], gap=0.5, cut=ServerError("connection to the model lost"),
                    cut_after=2)
    app = ex.make_app(answer)
    sent, raised = await raw_ask(app)
    bodies = b"".join(m.get("body", b"") for _, m in sent if m["type"] == "http.response.body")
    assert bodies.startswith(b"one two"), f"The two tokens before the failure should be streamed, got {bodies!r}."
    metrics = await metrics_of(app)
    assert metrics == {"answered": 0, "failed": 1}, (
        f"The answer broke off with a ServerError after two tokens; expected {{'answered': 0, 'failed': 1}}, "
        f"got {metrics!r}. Count the answer only after the loop ends normally, and count an LLMError "
        f"raised mid-stream as a failure.")
    assert answer.closed == 1, "The token generator should be closed after the failure."
