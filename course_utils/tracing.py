"""Timelines: record what every task did, step by step (introduced in lesson 02).

``async with Timeline() as tl:`` traces every task created inside the block (``gather``,
``create_task``, ``TaskGroup``) without changing the code under test. Each task's life is cut
into segments, all in course seconds from the start of the block:

* ``"running"`` -- the task's code was executing (inside one step of the event loop);
* ``"waiting"`` -- the task was suspended on something that had not happened yet;
* ``"queued"``  -- the task was ready to run but something else held the loop: right after it
  was created, or after a sleep's deadline (``asyncio.sleep`` or ``clock.sleep``) that passed
  while another task blocked.

``tracing.mark("429")`` notes an instant event against the current task; it costs almost
nothing when no timeline is recording, so library code calls it unconditionally.
"""

from __future__ import annotations

import asyncio
import threading
import contextvars
import functools
import inspect
import types
from dataclasses import dataclass, field
from time import perf_counter
from typing import Any, Awaitable, Callable, Generator, Iterator, TypeVar

from . import clock

__all__ = [
    "Timeline", "TaskTrace", "Segment", "Mark", "mark", "span", "current_timeline",
    "note_wakeup_deadline", "RUNNING", "WAITING", "QUEUED", "STATES",
]

RUNNING = "running"
WAITING = "waiting"
QUEUED = "queued"
STATES = (RUNNING, WAITING, QUEUED)

T = TypeVar("T")

# The recording timeline for the current context; tasks copy the context when created, so
# everything spawned inside ``with Timeline()`` sees it, and nothing outside does.
_current: contextvars.ContextVar["Timeline | None"] = contextvars.ContextVar(
    "course_timeline", default=None
)
# The record of the traced task (or explicit trace) running in this context, for ``mark``.
_current_rec: contextvars.ContextVar["_Rec | None"] = contextvars.ContextVar(
    "course_trace_record", default=None
)

#: How many timelines are recording right now, in any thread. ``clock.sleep`` only pays for
#: the wake-up bookkeeping while this is non-zero.
_active = 0

# Real (perf_counter) deadline of the course sleep started during the current step, or 0.0.
# A plain module global is enough: the loop runs one step at a time per thread, each stepper
# clears it before stepping, and note_wakeup_deadline ignores contexts without a timeline
# (such as a server thread's loop).
_deadline = 0.0


def note_wakeup_deadline(real_deadline: float) -> None:
    """Tell the tracer when the sleep being started should end (a ``perf_counter`` reading).

    ``clock.sleep`` and plain ``asyncio.sleep`` (see :func:`_watch_sleeps`) call this while a
    timeline records; if the task resumes later than the deadline, the extra time is drawn as
    queued rather than waiting. Introduced in lesson 02.
    """
    global _deadline
    if _current.get() is not None:
        _deadline = real_deadline


def _watch_sleeps(loop: asyncio.AbstractEventLoop) -> Callable[..., Any]:
    """Learn the deadline of every plain ``asyncio.sleep`` a traced task starts.

    ``asyncio.sleep(d)`` schedules ``loop.call_later(d, futures._set_result_unless_cancelled,
    ...)``, which goes through ``loop.call_at`` (3.11 to 3.14). While a timeline records, this
    instance attribute shadows the loop's ``call_at``, and for that callback only (other timers
    are not the task's own wake-up) notes the real deadline, so that a task held up past it by a
    blocking neighbour is drawn as queued, exactly as after ``clock.sleep``. Removed on exit.
    """
    original = loop.call_at
    wake = asyncio.futures._set_result_unless_cancelled  # type: ignore[attr-defined]

    def call_at(when: float, callback: Callable[..., Any], *args: Any,
                context: contextvars.Context | None = None) -> asyncio.TimerHandle:
        handle = original(when, callback, *args, context=context)
        if callback is wake and _current.get() is not None:
            # Loop seconds -> real seconds: the loop counts course seconds in a lesson kernel.
            real_per_loop = clock.time_scale() / clock.loop_scale(loop)
            note_wakeup_deadline(perf_counter() + max(0.0, when - loop.time()) * real_per_loop)
        return handle

    loop.call_at = call_at  # type: ignore[method-assign]
    return call_at


# ----------------------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class Segment:
    """One stretch of a task's life: "running", "waiting" or "queued". Introduced in lesson 02."""

    state: str
    start: float
    end: float

    @property
    def duration(self) -> float:
        return self.end - self.start


@dataclass(frozen=True, slots=True)
class Mark:
    """An instant event ("retry", "429", "error", "timeout"), course seconds. Introduced in lesson 07."""

    kind: str
    time: float
    note: str = ""
    task: str = ""


@dataclass(frozen=True)
class TaskTrace:
    """Everything one task did inside a timeline, in course seconds from the timeline's start.

    Introduced in lesson 02.
    """

    label: str
    start: float
    end: float
    segments: list[Segment]
    marks: list[Mark] = field(default_factory=list)
    error: str | None = None
    #: False if the task had not finished when the timeline closed.
    done: bool = True

    @property
    def duration(self) -> float:
        return self.end - self.start

    def time_in(self, state: str) -> float:
        """Total course seconds spent in ``state``."""
        return sum(s.end - s.start for s in self.segments if s.state == state)

    @property
    def running(self) -> float:
        return self.time_in(RUNNING)

    @property
    def waiting(self) -> float:
        return self.time_in(WAITING)

    @property
    def queued(self) -> float:
        return self.time_in(QUEUED)


# ----------------------------------------------------------------------------- recording


class _Rec:
    """Raw, float-only record of one traced task; converted to a TaskTrace only when read."""

    __slots__ = ("label", "task_name", "created", "steps", "error", "finished", "wrapped", "aw",
                 "timeline")

    def __init__(self, timeline: "Timeline", created: float, label: str | None) -> None:
        self.timeline = timeline
        self.label = label  # given explicitly (tl.trace, spans); else derived when read
        self.task_name: str | None = None
        self.created = created
        # Flat (step start, step end, wake deadline or 0.0) triples: floats in one list, so the
        # hot path allocates no long-lived containers for the garbage collector to scan.
        self.steps: list[float] = []
        self.error: str | None = None
        self.finished = False
        # The task's wrapper coroutine (factory-made records only): once it is closed without a
        # single step, the task was cancelled before it started.
        self.wrapped: Any = None
        self.aw: Any = None

    def __del__(self) -> None:
        # A task cancelled before its first step never awaits the inner coroutine; closing it
        # here avoids a misleading "coroutine ... was never awaited" warning. (An unawaited
        # explicit tl.trace() keeps its warning: that one is a real mistake.)
        aw = self.aw
        if aw is not None and self.wrapped is not None and type(aw) is types.CoroutineType:
            aw.close()


def _describe(exc: BaseException) -> str:
    if isinstance(exc, asyncio.CancelledError):
        return "cancelled"
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _is_default_task_name(name: str) -> bool:
    return name.startswith("Task-") and name[5:].isdigit()


def _short_name(aw: Any) -> str:
    """The coroutine's __qualname__ without the ``outer.<locals>.`` noise of nested functions."""
    name = getattr(aw, "__qualname__", None) or type(aw).__name__
    return name.rpartition("<locals>.")[2]


@types.coroutine
def _stepper(rec: _Rec) -> Generator[Any, Any, Any]:
    """Drive the inner awaitable by hand so each step can be timestamped.

    A generator-based awaitable rather than an object with ``__await__``: same protocol, one
    allocation less per task, which matters when a lesson starts thousands of them.
    """
    global _deadline
    # The original coroutine stays referenced (for its name when the label is built; a
    # finished coroutine holds no locals), so only the raw task name is fetched here.
    aw = rec.aw
    if rec.wrapped is not None:
        # In 3.11 create_task names the task only after the factory returns, so the name is
        # read at the first step, not when the record is made.
        task = asyncio.current_task()
        if task is not None:
            rec.task_name = task.get_name()
    token = _current_rec.set(rec)
    # A native coroutine is its own iterator; skipping its __await__() wrapper saves a call
    # per step.
    it = aw if type(aw) is types.CoroutineType else aw.__await__()
    del aw
    send = it.send
    throw = it.throw
    extend = rec.steps.extend
    pc = perf_counter
    value: Any = None
    exc: BaseException | None = None
    try:
        while True:
            _deadline = 0.0
            t0 = pc()
            try:
                if exc is None:
                    out = send(value)
                else:
                    out, exc = throw(exc), None
            except StopIteration as stop:
                extend((t0, pc(), 0.0))
                rec.finished = True
                return stop.value
            except BaseException as error:
                extend((t0, pc(), 0.0))
                rec.finished = True
                rec.error = _describe(error)
                raise
            t1 = pc()
            # A bare yield (asyncio.sleep(0)) means "ready again at once": any gap is queueing.
            extend((t0, t1, t1 if out is None else _deadline))
            try:
                value = yield out
            except GeneratorExit:
                # Same contract as ``yield from``: close the inner awaitable, then leave.
                close = getattr(it, "close", None)
                if close is not None:
                    close()
                raise
            except BaseException as thrown:  # CancelledError from Task.cancel() included
                value, exc = None, thrown
    finally:
        try:
            _current_rec.reset(token)
        except ValueError:  # finalised from another context (garbage collection)
            pass


async def _traced(rec: _Rec) -> Any:
    """The coroutine a traced task really runs: the stepper around the original coroutine."""
    return await _stepper(rec)


_TRACED_CODE = _traced.__code__


def _make_factory(previous: Callable[..., Any] | None) -> Callable[..., Any]:
    def factory(loop: asyncio.AbstractEventLoop, coro: Any, **kwargs: Any) -> Any:
        tl = _current.get()
        if tl is None or not tl._recording or type(coro) is not types.CoroutineType \
                or coro.cr_code is _TRACED_CODE:
            # Untraced contexts, non-native coroutines (let Task reject them as usual) and
            # coroutines already wrapped by tl.trace() pass straight through.
            if previous is None:
                return asyncio.Task(coro, loop=loop, **kwargs)
            return previous(loop, coro, **kwargs)
        rec = _Rec(tl, perf_counter(), None)
        rec.aw = coro
        rec.wrapped = wrapped = _traced(rec)
        tl._recs.append(rec)
        if previous is None:
            return asyncio.Task(wrapped, loop=loop, **kwargs)
        return previous(loop, wrapped, **kwargs)

    factory._course_tracing = True  # type: ignore[attr-defined]
    return factory


# ----------------------------------------------------------------------------- spans


# The span open in this context and who opened it (its timeline, task and thread): a span
# opened inside it by the same task or thread is the same stretch of work, so it adds no row.
_open_span: contextvars.ContextVar[tuple[Any, Any, int] | None] = contextvars.ContextVar(
    "course_open_span", default=None
)


def _span_owner(tl: "Timeline") -> tuple[Any, Any, int]:
    try:
        task = asyncio.current_task()
    except RuntimeError:  # no running loop: plain sync code
        task = None
    return (tl, task, threading.get_ident())


class _Span:
    """One running segment around sync code; both a sync and an async context manager.

    Nested spans of one task or thread draw one row, the outermost: lesson 02 wraps each
    blocking tool call in a span, and the tool's own span inside it must not add a second row.
    """

    __slots__ = ("_tl", "_label", "_t0", "_token")

    def __init__(self, tl: "Timeline | None", label: str) -> None:
        self._tl = tl
        self._label = label
        self._t0 = 0.0
        self._token: contextvars.Token[Any] | None = None

    def __enter__(self) -> "_Span":
        tl = self._tl
        if tl is not None:
            owner = _span_owner(tl)
            if _open_span.get() == owner:
                self._tl = None  # inside a span of the same task: the outer one draws the row
            else:
                self._token = _open_span.set(owner)
        self._t0 = perf_counter()
        return self

    def __exit__(self, exc_type: Any, exc: BaseException | None, tb: Any) -> None:
        t1 = perf_counter()
        tl = self._tl
        if tl is None:
            return
        if self._token is not None:
            try:
                _open_span.reset(self._token)
            except ValueError:  # exited in another context than entered
                _open_span.set(None)
            self._token = None
        tl._add_span(self._label, self._t0, t1, _describe(exc) if exc is not None else None)

    async def __aenter__(self) -> "_Span":
        return self.__enter__()

    async def __aexit__(self, exc_type: Any, exc: BaseException | None, tb: Any) -> None:
        self.__exit__(exc_type, exc, tb)


# ----------------------------------------------------------------------------- timeline


class Timeline:
    """Record every task created inside the block. Introduced in lesson 02.

    ``async with Timeline() as tl:`` (or plain ``with`` -- also inside a running loop, e.g. a
    notebook cell using top-level ``await``). While active it installs a task factory on the
    running loop, restored on exit. Read the results after the block: ``tl.tasks``,
    ``tl.elapsed``, ``tl.peak_concurrency``, ``tl.busy_time``, ``tl.summary()``, ``tl.plot()``.
    All figures are course seconds.
    """

    def __init__(self, name: str = "") -> None:
        self.name = name
        self._recs: list[_Rec] = []
        self._thread_id = threading.get_ident()
        self._marks: list[tuple[float, str, str, _Rec | None, str]] = []
        self._recording = False
        self._t0 = 0.0
        self._t_end: float | None = None
        self._scale = 1.0
        self._token: contextvars.Token[Timeline | None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._factory: Callable[..., Any] | None = None
        self._previous_factory: Callable[..., Any] | None = None
        self._call_at: Callable[..., Any] | None = None  # our watcher on the loop, while recording
        self._cache: list[TaskTrace] | None = None

    # -- activation ---------------------------------------------------------------------

    def __enter__(self) -> "Timeline":
        global _active
        if self._recording:
            raise RuntimeError("this Timeline is already recording")
        self._recs = []
        self._marks = []
        self._cache = None
        self._t_end = None
        self._scale = clock.time_scale()
        try:
            loop: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            loop = None  # sync code only: spans and marks still work
        self._loop = loop
        if loop is not None:
            self._previous_factory = loop.get_task_factory()
            if getattr(self._previous_factory, "_course_tracing", False):
                # An outer timeline's factory already traces into whichever timeline is
                # current, so stacking a second one would wrap every task twice.
                self._factory = None
            else:
                self._factory = _make_factory(self._previous_factory)
                loop.set_task_factory(self._factory)
                if "call_at" not in vars(loop):
                    self._call_at = _watch_sleeps(loop)
        self._token = _current.set(self)
        _active += 1
        clock._wakeup_hook = note_wakeup_deadline
        self._recording = True
        self._t0 = perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        global _active
        if not self._recording:
            return  # a second exit must not switch off another timeline's wake-up hook
        self._t_end = perf_counter()
        self._recording = False
        _active = max(0, _active - 1)
        if _active == 0:
            clock._wakeup_hook = None
        if self._token is not None:
            try:
                _current.reset(self._token)
            except ValueError:
                # Exited in a different context than entered (e.g. split across notebook
                # cells); fall back to clearing it so the timeline stops collecting.
                if _current.get() is self:
                    _current.set(None)
            self._token = None
        for rec in self._recs:
            if rec.aw is not None and not rec.steps:
                _close_if_never_started(rec)
        loop = self._loop
        if loop is not None and self._factory is not None:
            if loop.get_task_factory() is self._factory:
                loop.set_task_factory(self._previous_factory)
            if self._call_at is not None and vars(loop).get("call_at") is self._call_at:
                del loop.call_at  # the class's own method again
        self._call_at = None
        self._loop = None
        self._factory = None

    async def __aenter__(self) -> "Timeline":
        return self.__enter__()

    async def __aexit__(self, *exc: object) -> None:
        self.__exit__(*exc)

    @property
    def active(self) -> bool:
        """True while the block is running."""
        return self._recording

    # -- explicit instrumentation -------------------------------------------------------

    def trace(self, awaitable: Awaitable[T], label: str | None = None) -> Awaitable[T]:
        """Wrap one awaitable so it gets its own row; ``await tl.trace(fetch(), label="a")``.

        Use it inside the block (times are measured from the block's start); the factory
        does not wrap the result a second time. Introduced in lesson 02.
        """
        rec = _Rec(self, perf_counter(), label)
        rec.aw = awaitable
        self._recs.append(rec)
        self._cache = None
        return _traced(rec)

    def span(self, label: str) -> _Span:
        """Record sync code as one running segment: ``with tl.span("grades"): call()``.

        Also usable as ``async with``. Introduced in lesson 02.
        """
        self._cache = None
        return _Span(self, label)

    def wrap(self, fn: Callable[..., Any] | None = None, *, label: str | None = None) -> Any:
        """Decorator: every call of ``fn`` (sync or async) becomes a row. Introduced in lesson 02."""
        if fn is None:
            return functools.partial(self.wrap, label=label)
        name = label or _short_name(fn)
        if inspect.iscoroutinefunction(fn):
            # A plain def returning the traced coroutine: an ``async def`` wrapper would be
            # traced a second time by the task factory when scheduled as a task.
            @functools.wraps(fn)
            def async_wrapper(*args: Any, **kwargs: Any) -> Awaitable[Any]:
                return self.trace(fn(*args, **kwargs), label=name)

            marker = getattr(inspect, "markcoroutinefunction", None)  # Python 3.12+
            return marker(async_wrapper) if marker else async_wrapper

        @functools.wraps(fn)
        def sync_wrapper(*args: Any, **kwargs: Any) -> Any:
            with self.span(name):
                return fn(*args, **kwargs)

        return sync_wrapper

    def _add_span(self, label: str, start: float, end: float, error: str | None = None) -> None:
        """A finished running row from two perf_counter readings (spans, compare's sync side)."""
        rec = _Rec(self, start, label)
        rec.steps.extend((start, end, 0.0))
        rec.finished = True
        rec.error = error
        self._recs.append(rec)
        self._cache = None

    # -- results ------------------------------------------------------------------------

    def _course(self, t: float) -> float:
        return (t - self._t0) / self._scale

    @property
    def elapsed(self) -> float:
        """Wall time of the block in course seconds (so far, if still recording)."""
        end = self._t_end if self._t_end is not None else perf_counter()
        return (end - self._t0) / self._scale

    def _build(self, rec: _Rec, t_end: float) -> TaskTrace:
        c = self._course
        segs: list[Segment] = []
        add = segs.append
        flat = rec.steps
        steps = [(flat[i], flat[i + 1], flat[i + 2]) for i in range(0, len(flat), 3)
                 if flat[i] < t_end]
        created = rec.created
        done = rec.finished and 3 * len(steps) == len(flat)
        error = rec.error if done else None
        if steps:
            first = steps[0][0]
            if first > created:
                add(Segment(QUEUED, c(created), c(first)))
            prev_end, prev_deadline = -1.0, 0.0
            for start, end, deadline in steps:
                if prev_end >= 0.0 and start > prev_end:
                    _gap(add, c, prev_end, start, prev_deadline)
                add(Segment(RUNNING, c(start), c(min(end, t_end))))
                prev_end, prev_deadline = end, deadline
            if not done and prev_end < t_end:
                _gap(add, c, prev_end, t_end, prev_deadline)
            last = t_end if not done else steps[-1][1]
        else:
            if _never_started(rec):
                error = "cancelled before it started"
                done = True
                last = created
            else:
                if t_end > created:
                    add(Segment(QUEUED, c(created), c(t_end)))
                last = t_end
        label = _label(rec)
        return TaskTrace(label, c(created), c(last), segs, [], error, done)

    @property
    def tasks(self) -> list[TaskTrace]:
        """One :class:`TaskTrace` per traced task or span, in creation order."""
        if self._cache is not None:
            return self._cache
        t_end = self._t_end if self._t_end is not None else perf_counter()
        traces = [self._build(rec, t_end) for rec in self._recs]
        by_rec = {id(rec): i for i, rec in enumerate(self._recs)}
        for t, kind, note, rec, _ in self._marks:
            if t > t_end:
                continue
            i = by_rec.get(id(rec)) if rec is not None else None
            if i is not None:
                traces[i].marks.append(Mark(kind, self._course(t), note, traces[i].label))
        if self._t_end is not None:
            self._cache = traces  # the block is over: nothing can change any more
        return traces

    @property
    def marks(self) -> list[Mark]:
        """Every mark recorded in the block, including ones from untraced code."""
        labels = {id(rec): trace.label for rec, trace in zip(self._recs, self.tasks)}
        t_end = self._t_end if self._t_end is not None else perf_counter()
        return [
            Mark(kind, self._course(t), note, labels.get(id(rec), fallback) if rec else fallback)
            for t, kind, note, rec, fallback in self._marks
            if t <= t_end
        ]

    def concurrency(self) -> tuple[list[float], list[int]]:
        """Step-function points ``(times, counts)``: traced tasks alive at each moment."""
        events: list[tuple[float, int]] = []
        for trace in self.tasks:
            events.append((trace.start, 1))
            events.append((trace.end, -1))
        # Ends sort before starts at the same instant, so a hand-over is not counted as overlap.
        events.sort()
        times, counts = [0.0], [0]
        level = 0
        for t, delta in events:
            level += delta
            if times[-1] == t:
                counts[-1] = level
            else:
                times.append(t)
                counts.append(level)
        return times, counts

    @property
    def peak_concurrency(self) -> int:
        """Most traced tasks alive (created, not yet finished) at the same moment."""
        return max(self.concurrency()[1])

    @property
    def busy_time(self) -> float:
        """Course seconds of running segments summed over all tasks."""
        return sum(t.running for t in self.tasks)

    def summary(self) -> dict[str, Any]:
        """Headline figures as a dict (course seconds)."""
        tasks = self.tasks
        kinds: dict[str, int] = {}
        for m in self.marks:
            kinds[m.kind] = kinds.get(m.kind, 0) + 1
        return {
            "tasks": len(tasks),
            "elapsed": self.elapsed,
            "busy_time": sum(t.running for t in tasks),
            "waiting_time": sum(t.waiting for t in tasks),
            "queued_time": sum(t.queued for t in tasks),
            "peak_concurrency": self.peak_concurrency if tasks else 0,
            "errors": sum(1 for t in tasks if t.error),
            "marks": kinds,
        }

    def plot(self, **kwargs: Any) -> Any:
        """Gantt chart of the tasks; see :func:`course_utils.plots.plot_timeline`."""
        from .plots import plot_timeline

        return plot_timeline(self, **kwargs)

    def __iter__(self) -> Iterator[TaskTrace]:
        return iter(self.tasks)

    def __repr__(self) -> str:
        state = "recording" if self._recording else "done"
        name = f"{self.name!r}, " if self.name else ""
        return (f"Timeline({name}{len(self._recs)} tasks, {self.elapsed:.2f} course s, "
                f"{state})")


def _close_if_never_started(rec: _Rec) -> None:
    """Close the inner coroutine of a task that was cancelled before its first step.

    Its wrapper was thrown into before it started, so nothing awaited the original coroutine;
    closing it now (rather than leaving it to _Rec.__del__, which the cyclic GC may run after
    the coroutine's own finaliser) avoids a false "never awaited" warning.
    """
    if _never_started(rec):
        aw = rec.aw
        if type(aw) is types.CoroutineType:
            aw.close()


def _never_started(rec: _Rec) -> bool:
    # Explicit tl.trace() records have no wrapper here: if nobody awaited them, Python's own
    # "never awaited" warning is the right message.
    wrapped = rec.wrapped
    return wrapped is not None and not rec.steps and wrapped.cr_frame is None


def _label(rec: _Rec) -> str:
    """Explicit label, else a task name the user chose (not "Task-N"), else the coroutine's."""
    if rec.label:
        return rec.label
    name = rec.task_name
    if name and not _is_default_task_name(name):
        return name
    return _short_name(rec.aw) if rec.aw is not None else "task"


# The selector sleeps in whole milliseconds (epoll rounds up), so a timer routinely fires up to
# ~1 ms after its deadline on an idle loop; lateness within this slack is not "held up by
# other work" and stays waiting. Real seconds, because the granularity is the OS's.
_TIMER_SLACK = 0.0015


def _gap(add: Callable[[Segment], None], c: Callable[[float], float],
         start: float, end: float, deadline: float) -> None:
    """Split a pause between two steps into waiting and (after the wake deadline) queued."""
    if deadline and end > deadline and (deadline <= start or end - deadline > _TIMER_SLACK):
        ready = max(start, deadline)
        if ready > start:
            add(Segment(WAITING, c(start), c(ready)))
        add(Segment(QUEUED, c(ready), c(end)))
    else:
        add(Segment(WAITING, c(start), c(end)))


# ----------------------------------------------------------------------------- module API


def current_timeline() -> Timeline | None:
    """The timeline recording in this context, or ``None``. Introduced in lesson 02."""
    return _current.get()


def mark(kind: str, note: str = "") -> None:
    """Note an instant event ("retry", "429", "error", "timeout") on the current task.

    A no-op costing well under a microsecond when no timeline is recording, so library code
    calls it freely. Introduced in lesson 07.
    """
    tl = _current.get()
    if tl is None:
        return
    t = perf_counter()
    rec = _current_rec.get()
    fallback = ""
    if rec is None or rec.timeline is not tl:
        # Untraced code (e.g. the task that opened the timeline): keep the mark, name its task.
        rec = None
        try:
            task = asyncio.current_task()
        except RuntimeError:
            task = None
        fallback = task.get_name() if task is not None else "main"
    tl._marks.append((t, kind, note, rec, fallback))


def span(label: str) -> _Span:
    """``with tracing.span("grades"): ...`` on the active timeline; a no-op without one.

    Lets plain sync helpers show up in a comparison without being handed the timeline.
    Introduced in lesson 02.
    """
    tl = _current.get()
    if tl is not None and threading.get_ident() != tl._thread_id:
        # Blocking helpers run via to_thread inherit the context, but they do not hold the
        # loop's thread: drawing them as "running" rows would tell the opposite story.
        tl = None
    return _Span(tl, label)
