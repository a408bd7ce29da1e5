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
    # BEGIN SOLUTION
    waiting = list(llms)
    tasks: list[asyncio.Task[Completion]] = []
    pending: set[asyncio.Task[Completion]] = set()
    errors: list[BaseException] = []
    try:
        while waiting or pending:
            if waiting:  # at the start, after `stagger` seconds, or after a call that did not count
                task = asyncio.create_task(waiting.pop(0).complete(prompt))
                tasks.append(task)
                pending.add(task)
            done, pending = await asyncio.wait(pending, timeout=stagger if waiting else None,
                                               return_when=asyncio.FIRST_COMPLETED)
            for task in sorted(done, key=tasks.index):
                error = task.exception()
                if error is not None:
                    errors.append(error)
                elif is_good(task.result()):
                    return task.result()
        raise NoGoodAnswer(errors)
    finally:  # also on cancellation: the calls we started must not outlive us
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    # END SOLUTION
