# Exercise stub generated from solutions/ex20_stream_endpoint.py: write your code where it raises NotImplementedError.
"""Lesson 20 (Capstone) · A streaming endpoint that fails properly.

A streaming HTTP response sends its status line (``200 OK``) before the body. If the model then
refuses the call (a 429) the client gets a 200 that breaks off, and cannot tell a rate limit from
a bug. The capstone's fix: wait for the first token *before* starting the response.

Your task
---------
Write ``make_app(answer) -> FastAPI``. ``answer(question)`` returns an async generator of text
tokens; a refused call raises an ``LLMError`` when the first token is requested, and a call can
also break off later, raising an ``LLMError`` after some tokens.

* ``POST /ask`` with the JSON body ``{"question": "..."}`` streams the tokens as the response
  body (``StreamingResponse``, media type ``text/plain``), each token sent as soon as it comes;
* if getting the first token raises an ``LLMError``, respond with the error's ``status_code``
  (429, 500, 503, ...) and the JSON body ``{"detail": str(error)}`` (``HTTPException`` does
  exactly that), not with a 200;
* ``GET /metrics`` returns ``{"answered": n, "failed": m}``. *answered*: requests whose whole
  answer was streamed to the end -- count one only then, not when the response starts. *failed*:
  requests refused with an error status, and answers that broke off with an ``LLMError`` after
  the first token (their 200 was already sent; let the error propagate, so the server drops the
  connection and the client sees an incomplete response). A client that disconnects mid-stream
  is neither: the server cancels the streaming, and that ``CancelledError`` must go through;
* whatever happens (end, error, disconnect), close the token generator (``await
  tokens.aclose()``), so the model call behind it stops.
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
    raise NotImplementedError("ex20_stream_endpoint.make_app is not written yet: replace this line with your code. Need a nudge? hint('ex20_stream_endpoint')")
    return app
