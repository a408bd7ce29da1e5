"""Hints for ex08_token_bucket, from a nudge to near-code; shown one at a time by hint("ex08_token_bucket").

Read with ast, never imported. Only the last tier may come close to the answer."""

HINTS = [
    "Keep two numbers: how many tokens are in the bucket, and when you last topped it up. Before "
    "looking at the bucket, add rate * (now - last) tokens, capped at capacity.",
    "If there is at least one token, take it and return. Otherwise the next token arrives in "
    "(1 - tokens) / rate seconds: sleep that long, then check again -- in a loop, because another "
    "task may have taken that token while you slept. The check and the take need no lock as long "
    "as there is no await between them (a race needs an await in the middle).",
    "while True: self._refill(); if self._tokens >= 1: self._tokens -= 1; return; "
    "await asyncio.sleep((1 - self._tokens) / self.rate)",
]
