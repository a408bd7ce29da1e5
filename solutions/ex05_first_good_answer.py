"""Lesson 05 (Many at once) · Ask several models, keep the first good answer, cancel the rest.

Latency varies a lot between models and between calls. A common trick is to send the same
prompt to several models at once and use whichever good answer arrives first. The slower calls
are then wasted work (and money), so they must be cancelled, not left running.

Your task
---------
Write ``first_good_answer(llms, prompt, is_good=...)``:

1. Start ``llm.complete(prompt)`` for every model in ``llms``, all at the same time.
2. As each call finishes, look at it: a call that raised, or an answer that ``is_good`` rejects,
   does not count. Return the first answer that counts.
3. Before returning, cancel the calls still running, and wait for them to finish.
4. If no call gives a good answer, raise ``NoGoodAnswer(errors)`` where ``errors`` lists the
   exceptions the failed calls raised (rejected answers are not errors).
5. If the caller cancels ``first_good_answer`` itself (say, with a timeout), the calls it started
   must be cancelled too.
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
                            is_good: Callable[[Completion], bool] = accept_any) -> Completion:
    """Race ``llm.complete(prompt)`` across ``llms``; return the first good answer, cancel the rest."""
    # BEGIN SOLUTION
    tasks = [asyncio.create_task(llm.complete(prompt)) for llm in llms]
    errors: list[BaseException] = []
    try:
        pending = set(tasks)
        while pending:
            done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            for task in sorted(done, key=tasks.index):
                error = task.exception()
                if error is not None:
                    errors.append(error)
                elif is_good(task.result()):
                    return task.result()
        raise NoGoodAnswer(errors)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    # END SOLUTION
