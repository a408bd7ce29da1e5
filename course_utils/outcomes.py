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

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .faults import LLMError

if TYPE_CHECKING:
    from .llm import CallPlan, Completion, LLMEngine

#: How long a refused or failed request takes to come back (a network round trip), course s.
ERROR_LATENCY = 0.05


@dataclass(slots=True)
class Steps:
    """The timeline of one call: ``first`` wait, ``emit`` pieces ``gap`` apart, ``tail`` wait,
    then either ``error`` or the answer. ``before_output``: the failure replaces the answer
    (over HTTP an error status, not a broken stream)."""

    first: float
    gap: float
    emit: int
    tail: float
    error: LLMError | None = None
    before_output: bool = False
    billed_prompt: bool = True

    @property
    def total(self) -> float:
        """Course seconds from request to the end, the same for every driver."""
        return self.first + self.gap * max(self.emit - 1, 0) + self.tail


def steps_for(engine: "LLMEngine", plan: "CallPlan") -> Steps:
    """The steps of a planned call (its ``outcome`` decided by the fault plan)."""
    outcome = plan.outcome
    if outcome == "ok":
        return Steps(plan.ttft, plan.per_token, plan.completion_tokens, 0.0)
    if outcome == "hang":
        return Steps(plan.hang_seconds + plan.ttft, plan.per_token, plan.completion_tokens, 0.0)
    if outcome == "rate_limit":
        return Steps(ERROR_LATENCY, 0.0, 0, 0.0, engine.failure_for(plan), True, billed_prompt=False)
    if outcome in ("error", "overloaded"):
        return Steps(ERROR_LATENCY + plan.ttft / 2, 0.0, 0, 0.0, engine.failure_for(plan), True)
    if outcome == "cut":
        sent = plan.completion_tokens // 2
        # The connection drops when the next piece was due.
        return Steps(plan.ttft, plan.per_token, sent, plan.per_token if sent else 0.0,
                     engine.failure_for(plan, sent))
    raise ValueError(f"unknown outcome {outcome!r}")


def refusal(error: LLMError) -> Steps:
    """The steps of a call that ``plan()`` refused (an empty bucket, a bad request)."""
    return Steps(ERROR_LATENCY, 0.0, 0, 0.0, error, True, billed_prompt=False)


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
