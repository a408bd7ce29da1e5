# Exercise stub generated from solutions/ex09_cancel_cleanup.py: write your code where it raises NotImplementedError.
"""Lesson 09 (Timeouts and cancellation) · Fix an agent step that swallows its cancellation.

A colleague wrote this agent step. It opens a session (think: a browser tab, a sandbox, a GPU
slot), asks the model, and closes the session again::

    async def run_step(session, llm, prompt):
        await session.open()
        try:
            answer = await llm.complete(prompt)
        except BaseException as error:      # "a failed step must never crash the agent"
            session.log(f"step failed: {error!r}")
            return None
        await session.close()
        return answer.text

It looks careful, and it breaks the agent in two ways when the step runs under a deadline,
``async with asyncio.timeout(5): await run_step(...)``, or is cancelled:

* the ``CancelledError`` that the timeout (or ``task.cancel()``) delivers at the ``await`` is
  caught and turned into ``return None``: the task never ends *cancelled*, and the caller of
  ``asyncio.timeout`` gets no ``TimeoutError`` -- it cannot tell "no answer in time" from
  "done";
* on an error or a cancellation, ``session.close()`` never runs: the session leaks.

Your task
---------
Write a fixed ``run_step(session, llm, prompt)``:

* ``await session.open()``, then ``await llm.complete(prompt)`` and return the answer's ``.text``;
* if the model fails with an ``LLMError``, record it with ``session.log(...)`` (one line that
  names the error) and return ``None``: the agent carries on without this step;
* any other exception, and above all a cancellation, must reach the caller unchanged: the task
  ends cancelled, and ``asyncio.timeout`` turns it into ``TimeoutError`` for its caller;
* ``await session.close()`` runs exactly once after a successful ``open()``, whatever happens
  (answer, error, cancellation, timeout) -- also when it is an ``await`` that takes time.

``Session`` below is a stand-in you can experiment with; the tests use their own.
"""

from __future__ import annotations

import asyncio

from course_utils.faults import LLMError


class Session:
    """A stand-in session: ``open``/``close`` take a moment, ``log`` keeps lines. (Given.)"""

    def __init__(self) -> None:
        self.is_open = False
        self.lines: list[str] = []

    async def open(self) -> None:
        await asyncio.sleep(0.1)
        self.is_open = True

    async def close(self) -> None:
        await asyncio.sleep(0.2)  # e.g. flushing a transcript: an await that takes time
        self.is_open = False

    def log(self, line: str) -> None:
        self.lines.append(line)


async def run_step(session, llm, prompt: str) -> str | None:
    """Ask ``llm`` inside an open ``session``; ``None`` after an LLMError; always close the session."""
    raise NotImplementedError("ex09_cancel_cleanup.run_step is not written yet: replace this line with your code. Need a nudge? hint('ex09_cancel_cleanup')")
