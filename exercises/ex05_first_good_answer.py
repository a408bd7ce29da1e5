# Exercise stub generated from solutions/ex05_first_good_answer.py: write your code where it raises NotImplementedError.
"""Lesson 05 (Many at once) · Hedged requests: ask a backup model only when the first is slow.

Latency varies a lot between models and between calls. Sending every prompt to three models at
once gets the fastest answer, but pays for three calls every time. *Hedging* is cheaper: ask one
model; if it has not answered well after ``stagger`` seconds, also ask the next one, and so on.
Whichever good answer arrives first wins, and the calls still running are cancelled.

This combines two tools of the lesson: ``asyncio.wait(..., return_when=FIRST_COMPLETED)`` and its
``timeout=`` argument (which returns when the time is up, without cancelling anything).

Your task
---------
Write ``first_good_answer(llms, prompt, is_good=accept_any, *, stagger=0.0)``:

1. Start ``llms[0].complete(prompt)`` at once. Start the next model's call when ``stagger``
   seconds pass without a good answer, and also at once whenever a call fails (raises) or its
   answer is rejected by ``is_good``. With ``stagger=0`` every call starts straight away.
2. Return the first answer that ``is_good`` accepts, as soon as it arrives. Models after it
   are never called.
3. Before returning, cancel the calls still running, and wait for them to finish.
4. If no call gives a good answer, raise ``NoGoodAnswer(errors)`` where ``errors`` lists the
   exceptions the failed calls raised (rejected answers are not errors).
5. If the caller cancels ``first_good_answer`` itself (say, with ``asyncio.timeout``), the calls
   it started are cancelled too, and the cancellation goes on to the caller: never swallow a
   ``CancelledError``.
"""

from __future__ import annotations

import asyncio
from typing import Callable

from course_utils.llm import Completion


class NoGoodAnswer(Exception):
    """No model produced an acceptable answer. ``errors`` holds the exceptions the calls raised."""

    def __init__(self, errors: list[BaseException]) -> None:
        super().__init__(f"no model gave a good answer ({len(errors)} call(s) failed)")
        self.errors = errors


def accept_any(completion: Completion) -> bool:
    return True


async def first_good_answer(llms: list, prompt: str,
                            is_good: Callable[[Completion], bool] = accept_any, *,
                            stagger: float = 0.0) -> Completion:
    """Ask ``llms`` one after another, ``stagger`` seconds apart; first good answer wins, the rest are cancelled."""
    raise NotImplementedError("ex05_first_good_answer.first_good_answer is not written yet: replace this line with your code. Need a nudge? hint('ex05_first_good_answer')")
