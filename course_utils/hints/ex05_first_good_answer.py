"""Hints for ex05_first_good_answer, from a nudge to near-code; shown one at a time by hint("ex05_first_good_answer").

Read with ast, never imported. Only the last tier may come close to the answer."""

HINTS = [
    "You need to react to whichever call finishes first, again and again, and keep the handles "
    "of the others so you can cancel them. Tasks give you those handles.",
    "asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED) returns (done, pending) as soon as "
    "at least one task finishes. Loop until you find a good one or nothing is pending. Put the "
    "cancelling in a `finally:` so it also runs on errors and on cancellation.",
    "tasks = [asyncio.create_task(m.complete(prompt)) for m in llms]; try: pending = set(tasks); "
    "while pending: done, pending = await asyncio.wait(pending, return_when=FIRST_COMPLETED); "
    "for t in done: ...; raise NoGoodAnswer(errors) finally: for t in tasks: t.cancel(); "
    "await asyncio.gather(*tasks, return_exceptions=True)",
]
