"""Lesson 17 (Testing async code) · A scripted fake LLM for your tests.

A test of an agent should not call a real model: it is slow, costs money and never answers the
same way twice. A *fake* follows a script: it answers (or fails) exactly as told, after exactly
the delay you chose, and remembers what it was asked, so the test can check that too.

Your task
---------
Write the class ``ScriptedLLM(*script, latency=0.0)``:

* each ``await llm.complete(prompt)`` uses the next step of ``script``: a string is returned
  as ``Reply(text)`` (the class below, with a ``.text`` attribute); an exception instance is
  raised instead;
* every prompt is recorded, in order, in the list ``llm.prompts`` (also the ones that raised);
* each call first waits ``latency`` seconds with ``await asyncio.sleep(latency)``, never
  ``time.sleep`` (so two calls at once overlap, and a test on a virtual clock takes no time);
* when the script is used up, ``complete`` raises ``ScriptExhausted`` (below) with a message
  that says how many steps the script had, e.g. "the script has only 2 steps";
* ``llm.calls`` is the number of calls made so far, ``llm.remaining`` the number of steps left.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass



@dataclass(frozen=True)
class Reply:
    """What the fake returns: like a Completion, it has the answer in ``.text``."""

    text: str


class ScriptExhausted(AssertionError):
    """The code under test called the model more often than the script allows."""


class ScriptedLLM:
    """A fake LLM client that follows a script of answers (str) and failures (exceptions)."""

    def __init__(self, *script: str | BaseException, latency: float = 0.0) -> None:
        # BEGIN SOLUTION
        self.script = list(script)
        self.latency = latency
        self.prompts: list[object] = []
        self.used = 0
        # END SOLUTION

    async def complete(self, prompt: object, **options: object) -> Reply:
        """The next step of the script: a Reply, or the scripted exception raised."""
        # BEGIN SOLUTION
        self.prompts.append(prompt)
        await asyncio.sleep(self.latency)
        if self.used >= len(self.script):
            raise ScriptExhausted(f"call {self.used + 1} asked for a reply, but the script has only "
                                  f"{len(self.script)} steps")
        step = self.script[self.used]
        self.used += 1
        if isinstance(step, BaseException):
            raise step
        return Reply(step)
        # END SOLUTION

    @property
    def calls(self) -> int:
        """How many times ``complete`` was called."""
        # BEGIN SOLUTION
        return len(self.prompts)
        # END SOLUTION

    @property
    def remaining(self) -> int:
        """How many script steps have not been used yet."""
        # BEGIN SOLUTION
        return len(self.script) - self.used
        # END SOLUTION
