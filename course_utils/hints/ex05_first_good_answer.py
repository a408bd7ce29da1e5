"""Hints for ex05_first_good_answer, from a nudge to near-code; shown one at a time by hint("ex05_first_good_answer").

Read with ast, never imported. Only the last tier may come close to the answer."""

HINTS = [
    "Keep the calls as tasks, so you can watch them and cancel them. Each round: maybe start the "
    "next model, then wait until a call finishes *or* `stagger` seconds pass, whichever comes first.",
    "asyncio.wait(pending, timeout=stagger, return_when=asyncio.FIRST_COMPLETED) returns (done, "
    "pending): an empty `done` means the time passed. Whatever happened, unless you found a good "
    "answer, the next round starts the next model. Cancel every task in a `finally:` block, so it "
    "also happens on errors and on cancellation from outside.",
    "waiting = list(llms); tasks = []; pending = set(); try: while waiting or pending: if waiting: "
    "start waiting.pop(0).complete(prompt) as a task (add it to tasks and pending); done, pending = "
    "await asyncio.wait(pending, timeout=stagger if waiting else None, return_when=FIRST_COMPLETED); "
    "for t in done: record t.exception() or return a good t.result() -- then raise "
    "NoGoodAnswer(errors); finally: cancel every task and await asyncio.gather(*tasks, "
    "return_exceptions=True)",
]
