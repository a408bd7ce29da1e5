"""Hints for ex23_handoff, from a nudge to near-code; shown one at a time by hint("ex23_handoff").

Read with ast, never imported. Only the last tier may come close to the answer."""

HINTS = [
    "Two coroutines share one asyncio.Queue(maxsize=maxsize): a producer that calls first and "
    "puts, and a consumer that gets and calls second. Run them at the same time.",
    "Start both in an asyncio.TaskGroup: when one raises, the group cancels the other and raises "
    "an ExceptionGroup. The producer ends with a sentinel (done = object()) so the consumer knows "
    "to stop.",
    "produce: for text in texts: await queue.put(await first(text)); then await queue.put(done). "
    "consume: while (answer := await queue.get()) is not done: results.append(await second(answer)). "
    "async with asyncio.TaskGroup() as tg: tg.create_task(produce()); tg.create_task(consume()).",
]
