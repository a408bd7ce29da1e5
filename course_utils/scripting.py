"""Scripted turns: tell the simulated model exactly what to do on given turns (issue 10).

>>> from course_utils.scripting import ToolCalls, Reply, call
>>> llm = SimulatedLLM(script=[
...     ToolCalls(call("search", query="asyncio"), call("weather", city="Oslo"),
...               call("stocks", ticker="ACME")),                 # turn 0: three parallel calls
...     Reply("Oslo is sunny; ACME is up.", latency=0.5),          # turn 1: the final answer
... ])

A conversation's **turn** is the number of assistant messages it already holds: the first
request (just the user's question) is turn 0; the follow-up carrying the tool results is turn 1.
So a retried request gets the same scripted turn again, and several conversations can walk the
same script side by side. ``None`` in the script, or a turn past its end, leaves that turn to
the policy of :mod:`course_utils.toolpolicy`. Scripted calls need no ``tools`` to be passed.

``latency`` (course seconds) fixes how long that turn takes in total, whatever the model
preset says; the fault plan (:class:`~course_utils.faults.FaultPlan`) still applies.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Mapping, Sequence, Union


@dataclass(frozen=True)
class ScriptedCall:
    """One tool call of a scripted turn: the tool's name and its arguments as JSON text."""

    name: str
    arguments: str


def call(name: str, arguments: Mapping[str, Any] | str | None = None, /, **kwargs: Any) -> ScriptedCall:
    """``call("weather", city="Oslo")`` or ``call("weather", {"city": "Oslo"})``.

    A string is sent as it is, so a test can script malformed arguments on purpose.
    """
    if isinstance(arguments, str):
        if kwargs:
            raise TypeError("give the arguments either as a JSON string or as keywords, not both")
        return ScriptedCall(name, arguments)
    merged = {**(dict(arguments) if arguments else {}), **kwargs}
    return ScriptedCall(name, json.dumps(merged, separators=(",", ":"), ensure_ascii=False))


@dataclass(frozen=True, init=False)
class ToolCalls:
    """A turn on which the model calls these tools, all in one message (parallel calls)."""

    calls: tuple[ScriptedCall, ...]
    latency: float | None = None

    def __init__(self, *calls: ScriptedCall, latency: float | None = None) -> None:
        if not calls or not all(isinstance(c, ScriptedCall) for c in calls):
            raise TypeError("ToolCalls(...) takes one or more call(name, **arguments)")
        _check_latency(latency)
        object.__setattr__(self, "calls", tuple(calls))
        object.__setattr__(self, "latency", latency)


@dataclass(frozen=True)
class Reply:
    """A turn on which the model answers with this text."""

    text: str
    latency: float | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.text, str):
            raise TypeError("Reply(text) takes a string")
        _check_latency(self.latency)


Turn = Union[ToolCalls, Reply, None]


def _check_latency(latency: float | None) -> None:
    if latency is not None and not (isinstance(latency, (int, float)) and latency >= 0):
        raise ValueError(f"latency must be a number of course seconds >= 0, got {latency!r}")


def check_script(script: Sequence[Turn] | None) -> tuple[Turn, ...]:
    """The script as a tuple, refusing anything that is not a turn (with a clear message)."""
    if script is None:
        return ()
    turns = tuple(script)
    for i, turn in enumerate(turns):
        if turn is not None and not isinstance(turn, (ToolCalls, Reply)):
            raise TypeError(f"script[{i}] must be ToolCalls(...), Reply(...) or None, "
                            f"got {type(turn).__name__}")
    return turns
