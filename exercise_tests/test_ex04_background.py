"""Tests for ex04_background: keep references, collect errors, wait and cancel cleanly."""

from __future__ import annotations

import asyncio
import gc
import weakref

from _helpers import Timer, assert_no_leftovers


EXERCISE = "ex04_background"


async def pause(course_seconds: float) -> None:
    await asyncio.sleep(course_seconds)


async def forever() -> None:
    await asyncio.get_running_loop().create_future()


async def test_spawn_starts_a_named_task(ex):
    """spawn starts the coroutine right away, as a task with the given name, and returns it."""
    bg = ex.BackgroundTasks()
    seen: list[str] = []

    async def job():
        seen.append(asyncio.current_task().get_name())

    task = bg.spawn(job(), name="log-conversation")
    assert isinstance(task, asyncio.Task), f"spawn should return the asyncio.Task, got {type(task).__name__}."
    await pause(0.1)
    assert seen == ["log-conversation"], "The task should run soon after spawn, with the name it was given."
    await bg.wait()


async def test_running_tasks_are_kept_alive(ex):
    """A spawned task survives garbage collection even though the caller keeps no reference."""
    bg = ex.BackgroundTasks()
    ref = weakref.ref(bg.spawn(forever()))
    # Once the task has taken its first step it is parked on a future that only the task itself
    # holds: nothing but BackgroundTasks keeps it alive (before its first step, the loop's ready
    # queue would, which is why a WeakSet seems to work when you try it at once).
    await pause(0.1)
    gc.collect()
    alive = ref() is not None
    assert alive, ("A running task was garbage-collected: the event loop only keeps a weak reference, "
                   "so BackgroundTasks must hold a strong one (a plain set, not a WeakSet) until the "
                   "task finishes.")
    assert bg.running == 1, f"running should be 1 while the task runs, got {bg.running}."
    await bg.cancel_all()


async def test_finished_tasks_are_forgotten(ex):
    """Finished tasks are dropped, so a long-running agent does not hoard them."""
    bg = ex.BackgroundTasks()
    refs = [weakref.ref(bg.spawn(pause(0.1 * i))) for i in range(10)]
    assert bg.running == 10, f"running should be 10 right after spawning ten tasks, got {bg.running}."
    await bg.wait()
    await asyncio.sleep(0)
    gc.collect()
    assert bg.running == 0, f"running should be 0 once all tasks finished, got {bg.running}."
    kept = sum(1 for r in refs if r() is not None)
    assert kept == 0, (f"{kept} finished task(s) are still referenced. Drop a task from your registry as "
                       f"soon as it finishes (a done callback can do it).")


async def test_errors_are_collected(ex):
    """Exceptions from tasks land in .errors (cancellations do not), and none is 'never retrieved'."""
    loop = asyncio.get_running_loop()
    complaints: list[str] = []
    loop.set_exception_handler(lambda lp, ctx: complaints.append(ctx.get("message", "")))
    try:
        bg = ex.BackgroundTasks()

        async def fail(after: float, message: str):
            await pause(after)
            raise ValueError(message)

        bg.spawn(fail(0.2, "second"))
        bg.spawn(fail(0.1, "first"))
        bg.spawn(pause(0.3))
        victim = bg.spawn(forever())
        await pause(0.5)
        victim.cancel()
        await bg.wait()
        errors = list(bg.errors)
        del victim
        gc.collect()
        await asyncio.sleep(0)
    finally:
        loop.set_exception_handler(None)
    assert [type(e) for e in errors] == [ValueError, ValueError], (
        f"errors should hold the two ValueErrors (and not the cancellation), got {errors!r}.")
    assert [str(e) for e in errors] == ["first", "second"], "errors should be in the order the tasks failed."
    assert not complaints, ("asyncio complained: " + complaints[0] + " -- read each failed task's "
                            "exception (task.exception()) when it finishes.")


async def test_wait_includes_tasks_spawned_meanwhile(ex):
    """wait() also waits for tasks spawned by other tasks while it was waiting."""
    bg = ex.BackgroundTasks()
    done: list[str] = []

    async def child():
        await pause(2.0)
        done.append("child")

    async def parent():
        await pause(1.0)
        bg.spawn(child())
        done.append("parent")

    bg.spawn(parent())
    with Timer() as t:
        await bg.wait()
    assert done == ["parent", "child"], ("wait() returned before a task spawned while waiting had "
                                         "finished. Keep waiting until nothing is left.")
    assert abs(t.elapsed - 3.0) < 0.05, f"wait() took {t.elapsed:.2f} s; the work takes 3.0."


async def test_wait_does_not_raise(ex):
    """wait() returns normally even if a task failed (the error is in .errors)."""
    bg = ex.BackgroundTasks()

    async def boom():
        raise RuntimeError("boom")

    bg.spawn(boom())
    try:
        await bg.wait()
    except Exception as error:
        raise AssertionError(f"wait() raised {type(error).__name__}({str(error)!r}) because a spawned "
                             f"task failed. A task's error belongs in .errors; wait() must return "
                             f"normally.") from None
    assert len(bg.errors) == 1, "The failed task's error should be in .errors."


async def test_cancel_all(ex):
    """cancel_all cancels every running task and returns once they have all finished."""
    bg = ex.BackgroundTasks()
    tasks = [bg.spawn(forever()) for _ in range(5)]
    with Timer() as t:
        await bg.cancel_all()
    assert all(task.done() for task in tasks), ("cancel_all returned while tasks were still running: "
                                                "after cancelling, await them.")
    assert all(task.cancelled() for task in tasks), "Every task should end up cancelled."
    assert bg.running == 0, f"running should be 0 after cancel_all, got {bg.running}."
    assert t.elapsed < 0.1, "cancel_all should not wait for anything else."
    await assert_no_leftovers("cancel_all")
