"""Pieces of the capstone's research assistant that are not the async lesson. Introduced in lesson 24.

* the prompts the planner and the writer send (:func:`research_prompt`, :func:`answer_prompt`);
* :func:`retryable` and :func:`retry_after`: one reading of a provider error, whether it comes
  from the course's client (:class:`~course_utils.faults.LLMError`) or from the ``openai`` SDK
  (``openai.APIError``), for the lesson's retry policies;
* the same agents written synchronously (:func:`research_sync`, :func:`answer_tokens_sync`),
  for the threaded baseline the lesson measures against: a blocking client, blocking tools, the
  same backoff with full jitter and ``retry_after``, waits that block the calling thread. Its
  plan is fixed (search the web, read a document), with as many model calls per research as the
  model-driven planner's (one that asks for the tools, one that writes the notes);
* :func:`plot_report`, the report's bar charts.
"""

from __future__ import annotations

import random
import threading
from typing import Any, Callable, Iterator, Mapping, TypeVar

from . import clock, sync_tools, tools
from .faults import LLMError
from .ratelimit import TokenBucket

__all__ = ["research_prompt", "answer_prompt", "pick_document", "retryable", "retry_after", "SyncPacer",
           "retry_sync", "research_sync", "answer_tokens_sync", "plot_report"]

T = TypeVar("T")


def pick_document(query: str) -> str:
    """The shelf document whose name appears in the query (the researchers' 'best hit')."""
    return next((d for d in tools.list_documents() if d.split(".")[0].split("_")[0] in query),
                "agents.md")


def research_prompt(question: str) -> str:
    """The planner's task: the model decides which research tools to call, then writes notes."""
    return (f"Prepare notes for a student's question. Search the web and read the best course "
            f"document about {question}. Then write short notes from what you found.")


def answer_prompt(question: str, user: str, notes: str) -> str:
    return f"Answer '{question}' for {user} using these notes: {notes}"


_RETRYABLE_STATUS = frozenset({408, 409, 429}) | frozenset(range(500, 600))


def retryable(error: BaseException) -> bool:
    """Can trying again succeed? Rate limits, server errors and dropped connections: yes; 400s: no."""
    if isinstance(error, LLMError):
        return error.retryable
    status = getattr(error, "status_code", None)
    return status is None or status in _RETRYABLE_STATUS  # no status: the connection failed


def retry_after(error: BaseException) -> float:
    """The seconds the provider asked us to wait (``Retry-After``), 0 when it did not say."""
    if isinstance(error, LLMError):
        return float(getattr(error, "retry_after", 0.0) or 0.0)
    response = getattr(error, "response", None)
    try:
        return max(0.0, float(response.headers.get("retry-after", 0))) if response is not None else 0.0
    except ValueError:  # an HTTP date instead of seconds: no usable hint
        return 0.0


class SyncPacer:
    """Thread-safe client-side pacing: ``rate`` calls per second, bursts of ``burst``.

    The blocking twin of the lesson's ``Tuned`` limiter: a ``threading.Lock`` makes waiting
    threads take turns, and a waiting thread blocks (it has nothing else to do).
    """

    def __init__(self, rate: float, burst: float) -> None:
        self.bucket = TokenBucket(capacity=burst, rate=rate)
        self.turn = threading.Lock()

    def wait(self) -> None:
        with self.turn:
            while not self.bucket.try_take():
                clock.sleep_blocking(self.bucket.wait_time())


def retry_sync(make_call: Callable[[], T], attempts: int = 6, pacer: SyncPacer | None = None) -> T:
    """Blocking retry: backoff with full jitter, at least ``retry_after``; 400s are not retried."""
    for attempt in range(attempts):
        if pacer is not None:
            pacer.wait()
        try:
            return make_call()
        except LLMError as error:
            if not retryable(error) or attempt == attempts - 1:
                raise
            backoff = random.uniform(0, min(8.0, 0.5 * 2 ** attempt))
            clock.sleep_blocking(max(backoff, retry_after(error)))
    raise AssertionError("unreachable")


def research_sync(question: str, llm: Any, pacer: SyncPacer | None = None) -> str:
    """A fixed plan (blocking): a planning call, the two tools one after the other, the notes."""
    retry_sync(lambda: llm.complete(research_prompt(question), max_tokens=30), pacer=pacer)
    results = sync_tools.search_web(question)
    document = sync_tools.read_document(pick_document(question))
    return retry_sync(lambda: llm.complete(
        f"{research_prompt(question)} Found: {results[0]['snippet']} {document}"), pacer=pacer).text


def answer_tokens_sync(question: str, user: str, notes: str, llm: Any,
                       model: str | None = None, pacer: SyncPacer | None = None) -> Iterator[str]:
    """The writer's tokens, from a blocking stream; failures before the first token are retried."""
    def attempt() -> tuple[Iterator[str], str]:
        stream = llm.stream(answer_prompt(question, user, notes), model=model)
        try:
            return stream, next(stream)
        except BaseException:
            close = getattr(stream, "close", None)
            if close is not None:
                close()
            raise

    stream, first = retry_sync(attempt, pacer=pacer)
    return _chain(first, stream)


def _chain(first: str, rest: Iterator[str]) -> Iterator[str]:
    try:
        yield first
        yield from rest
    finally:
        close = getattr(rest, "close", None)
        if close is not None:
            close()


def plot_report(report: Mapping[str, Mapping[str, Any]], users: int, title: str = "") -> Any:
    """Throughput, p95 latency and failed users per variant, side by side. Introduced in lesson 24."""
    from .plots import _new_figure

    names = list(report)
    colours = ["#999999", "#D55E00", "#0072B2", "#009E73"][:len(names)]
    labels = [n.replace(" ", "\n", 1) for n in names]
    panels = [("throughput", "answered users per second", "{:.2f}"),
              ("p95", "p95 latency of answered users (s)", "{:.0f}"),
              ("errors", "failed users", "{:.0f}")]
    fig = _new_figure(11, 3.4)
    axes = fig.subplots(1, 3)
    for ax, (key, panel_title, fmt) in zip(axes, panels):
        values = [report[n][key] for n in names]
        bars = ax.bar(labels, values, color=colours)
        notes = [fmt.format(v) for v in values]
        if key == "p95":
            notes = [f"{t}\n({report[n]['answered']}/{users} answered)" for t, n in zip(notes, names)]
        ax.bar_label(bars, notes, fontsize=8)
        ax.set_title(panel_title, fontsize=10)
        ax.set_ylim(0, max(max(values), 1e-9) * 1.25)
        ax.tick_params(axis="x", labelsize=8)
    if title:
        fig.suptitle(title)
    return fig
