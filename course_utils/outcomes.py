"""The one outcome interpreter: how a planned call plays out in time (issue 10, item 7).

Every driver -- :class:`~course_utils.llm.SimulatedLLM` (complete, stream), its blocking twin,
and the HTTP server (plain and streamed) -- turns a :class:`~course_utils.llm.CallPlan` into
:class:`Steps` here and only *executes* them: wait ``first``, deliver ``emit`` pieces with
``gap`` between them, wait ``tail``, then :func:`settle` (record usage, return or raise). A
non-streaming driver waits ``total`` at once, which is the same course time. So for one seed a
call costs the same course seconds and leaves the same usage record whichever driver runs it.

Outcomes (``FaultPlan`` decides which; course seconds):

==========  ======================================  ========================================
outcome     time                                    end (usage record)
==========  ======================================  ========================================
ok          ttft, then per_token per further piece  answer (prompt + completion tokens)
hang        hang_seconds, then as ok                answer
rate_limit  ERROR_LATENCY                           RateLimitError 429 (no tokens)
error       ERROR_LATENCY + ttft/2                  ServerError 500 (prompt tokens)
overloaded  ERROR_LATENCY + ttft/2                  ServerError 503 (prompt tokens)
cut         as ok for half the pieces, then one     StreamInterrupted (prompt + pieces
            more per_token                          delivered)
refused     ERROR_LATENCY (plan() raised)           that error: 429 bucket, 400 (no tokens)
cancelled   until the caller gave up                "cancelled" (prompt + pieces delivered)
==========  ======================================  ========================================
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .faults import LLMError

if TYPE_CHECKING:
    from .llm import CallPlan, Completion, LLMEngine

#: How long a refused or failed request takes to come back (a network round trip), course s.
ERROR_LATENCY = 0.05


class Steps:
    """The timeline of one call: ``first`` wait, ``emit`` pieces ``gap`` apart, ``tail`` wait,
    then either ``error`` or the answer. ``before_output``: the failure replaces the answer
    (over HTTP an error status, not a broken stream).

    ``first`` never needs the answer's text, and ``emit``/``rest``/``error`` are read only
    after ``first`` has been waited: the answer is composed while the caller waits for its
    first token, as a real model does, not while a thousand other calls wait to start.
    """

    __slots__ = ("plan", "first", "gap", "kind", "before_output", "billed_prompt", "_error")

    def __init__(self, plan: "CallPlan | None", first: float, gap: float, kind: str,
                 error: LLMError | None = None, *, billed_prompt: bool = True) -> None:
        self.plan = plan
        self.first = first
        self.gap = gap
        self.kind = kind  # "answer", "cut" or "fail"
        self.before_output = kind == "fail"
        self.billed_prompt = billed_prompt
        self._error = error

    @property
    def emit(self) -> int:
        """Pieces delivered before the end."""
        if self.kind == "fail":
            return 0
        n = self.plan.completion_tokens  # type: ignore[union-attr]
        return n // 2 if self.kind == "cut" else n

    @property
    def tail(self) -> float:
        """Course seconds between the last piece and the end: a cut comes when the next was due."""
        return self.gap if self.kind == "cut" and self.emit else 0.0

    @property
    def rest(self) -> float:
        """Course seconds after ``first``."""
        if self.kind == "fail":
            return 0.0
        return self.gap * max(self.emit - 1, 0) + self.tail

    @property
    def total(self) -> float:
        """Course seconds from request to the end, the same for every driver."""
        return self.first + self.rest

    @property
    def error(self) -> LLMError | None:
        if self._error is None and self.kind == "cut":
            self._error = self._engine_failure()
        return self._error

    def _engine_failure(self) -> LLMError:
        from .llm import failure_for

        return failure_for(self.plan, self.emit)  # type: ignore[arg-type]


def steps_for(engine: "LLMEngine", plan: "CallPlan") -> Steps:
    """The steps of a planned call (its ``outcome`` decided by the fault plan)."""
    outcome = plan.outcome
    if outcome == "ok":
        return Steps(plan, plan.ttft, plan.per_token, "answer")
    if outcome == "hang":
        return Steps(plan, plan.hang_seconds + plan.ttft, plan.per_token, "answer")
    if outcome == "rate_limit":
        return Steps(plan, ERROR_LATENCY, 0.0, "fail", engine.failure_for(plan), billed_prompt=False)
    if outcome in ("error", "overloaded"):
        return Steps(plan, ERROR_LATENCY + plan.ttft / 2, 0.0, "fail", engine.failure_for(plan))
    if outcome == "cut":
        return Steps(plan, plan.ttft, plan.per_token, "cut")
    raise ValueError(f"unknown outcome {outcome!r}")


def refusal(error: LLMError) -> Steps:
    """The steps of a call that ``plan()`` refused (an empty bucket, a bad request)."""
    return Steps(None, ERROR_LATENCY, 0.0, "fail", error, billed_prompt=False)


def settle(engine: "LLMEngine", plan: "CallPlan | None", steps: Steps, latency: float) -> "Completion":
    """Record the call's usage and return its completion, or raise its error."""
    error = steps.error
    if error is None:
        assert plan is not None
        return engine.completion(plan, latency)
    prompt = plan.prompt_tokens if plan is not None and steps.billed_prompt else 0
    engine.record_failure(error, latency, prompt, steps.emit if not steps.before_output else 0)
    raise error


def abandon(engine: "LLMEngine", plan: "CallPlan | None", latency: float, delivered: int) -> None:
    """Record a call its caller gave up on (cancelled task, closed stream, client hung up)."""
    engine.usage.record(latency, error="cancelled",
                        prompt_tokens=plan.prompt_tokens if plan is not None else 0,
                        completion_tokens=delivered)
