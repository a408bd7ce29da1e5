"""Lesson 20 (Capstone) · A streaming endpoint that fails properly.

A streaming HTTP response sends its status line (``200 OK``) before the body. If the model then
refuses the call (a 429) the client gets a 200 that breaks off, and cannot tell a rate limit from
a bug. The capstone's fix: wait for the first token *before* starting the response.

Your task
---------
Write ``make_app(answer) -> FastAPI``. ``answer(question)`` returns an async iterator of text
tokens (such as an async generator); a refused call raises an ``LLMError`` when the first token
is requested.

* ``POST /ask`` with the JSON body ``{"question": "..."}`` streams the tokens as the response
  body (``StreamingResponse``, media type ``text/plain``), each token sent as soon as it comes;
* if getting the first token raises an ``LLMError``, respond with the error's ``status_code``
  (429, 500, 503, ...) and the JSON body ``{"detail": str(error)}`` (``HTTPException`` does
  exactly that), not with a 200;
* ``GET /metrics`` returns ``{"answered": n, "failed": m}``: requests whose whole answer was
  streamed, and requests refused with an error status.
"""

from __future__ import annotations

from typing import AsyncIterator, Callable

from fastapi import FastAPI, HTTPException
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

from course_utils.faults import LLMError


class Ask(BaseModel):
    question: str


def make_app(answer: Callable[[str], AsyncIterator[str]]) -> FastAPI:
    """A FastAPI app with ``POST /ask`` (streaming) and ``GET /metrics``."""
    app = FastAPI()
    # BEGIN SOLUTION
    counts = {"answered": 0, "failed": 0}

    @app.post("/ask")
    async def ask(body: Ask) -> StreamingResponse:
        tokens = answer(body.question)
        try:
            first = await anext(tokens)
        except LLMError as error:
            counts["failed"] += 1
            raise HTTPException(status_code=error.status_code, detail=str(error)) from None

        async def rest() -> AsyncIterator[str]:
            yield first
            async for token in tokens:
                yield token
            counts["answered"] += 1

        return StreamingResponse(rest(), media_type="text/plain")

    @app.get("/metrics")
    async def metrics() -> dict[str, int]:
        return dict(counts)
    # END SOLUTION
    return app
