"""Hints for ex03_cooperative, from a nudge to near-code; shown one at a time by hint("ex03_cooperative").

Read with ast, never imported. Only the last tier may come close to the answer."""

HINTS = [
    "A plain loop over range(2, limit) gives the right answer, but it never gives the event loop "
    "a chance to run anything else. Where could you pause, briefly, without losing your place?",
    "Inside the loop, every `every` numbers, do `await asyncio.sleep(0)`: it suspends the "
    "coroutine for exactly one round of the event loop.",
    "count = 0; for n in range(2, limit): count += is_prime(n); if n % every == 0: "
    "await asyncio.sleep(0)  ... then return count",
]
