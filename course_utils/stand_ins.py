"""Stand-ins for things a notebook does not have (introduced in lesson 14).

A notebook kernel has no terminal to read from, so ``input()`` cannot be demonstrated for real in
a cell that runs unattended. :func:`typing_user` builds a drop-in replacement with the same shape
and the same problem: it *blocks* the calling thread while "the user types".

>>> read_line = typing_user(["hello", "quit"], seconds_per_line=0.5)
>>> read_line("you> ")      # blocks about 0.5 course seconds, then returns "hello"
"""

from __future__ import annotations

from typing import Callable, Iterable

from . import clock

__all__ = ["typing_user"]


def typing_user(lines: Iterable[str], seconds_per_line: float = 0.5) -> Callable[[str], str]:
    """A blocking ``input()`` look-alike: each call waits ``seconds_per_line`` course seconds
    (really blocking its thread, as ``input()`` does) and returns the next of ``lines``.

    After the last line it returns ``"quit"``. Safe to call from a worker thread.
    """
    remaining = list(lines)

    def read_line(prompt: str = "") -> str:
        clock.sleep_blocking(seconds_per_line)
        return remaining.pop(0) if remaining else "quit"

    return read_line
