"""Hints for ex03_my_sleep, from a nudge to near-code; shown one at a time by hint("ex03_my_sleep").

Read with ast, never imported. Only the last tier may come close to the answer."""

HINTS = [
    "A future is an empty box a coroutine can await; whoever calls future.set_result(value) "
    "wakes it up. The loop's call_later(seconds, callback, *args) runs a callback later.",
    "handle = loop.call_later(delay, callback, ...) returns a TimerHandle; "
    "handle.cancel() unschedules it. A try/finally around `await future` runs the clean-up on "
    "cancellation too. The callback should only set the result if the future is not done yet.",
    "loop = asyncio.get_running_loop(); future = loop.create_future(); "
    "handle = loop.call_later(delay, lambda: future.done() or "
    "future.set_result(result)); try: return await future; finally: handle.cancel()",
]
