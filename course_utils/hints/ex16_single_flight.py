"""Hints for ex16_single_flight, from a nudge to near-code; shown one at a time by hint("ex16_single_flight").

Read with ast, never imported. Only the last tier may come close to the answer."""

HINTS = [
    "Keep a dict from key to the *task* running fn(). The first caller creates the task; later "
    "callers find it in the dict and await the same task.",
    "asyncio.create_task(fn()) starts the call; task.add_done_callback(...) is the place to remove "
    "the key from the dict when it finishes (and to call task.exception() if it failed, so the "
    "error counts as retrieved) -- not the first caller's code, which may be cancelled while the "
    "call goes on. Every caller does `return await asyncio.shield(task)`.",
    "task = self._in_flight.get(key); if task is None: task = asyncio.create_task(fn()); "
    "self._in_flight[key] = task; task.add_done_callback(lambda t: (self._in_flight.pop(key, None), "
    "t.cancelled() or t.exception())) -- then return await asyncio.shield(task)",
]
