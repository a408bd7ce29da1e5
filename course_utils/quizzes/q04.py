"""Quiz for lesson 04 (coroutines and tasks)."""

from course_utils.quizzes import MultipleChoice, ShortAnswer

QUESTIONS = [
    MultipleChoice(
        "What does asyncio.create_task(coro) do?",
        ["Runs coro to completion and returns its result",
         "Wraps coro in a task and schedules its first step; it starts as soon as your code waits",
         "Starts coro on a new thread"],
        answer=1,
        explanation="create_task returns at once; the task runs alongside your code on the same "
                    "loop, and `await task` collects its result.",
        wrong_feedback={0: "That is what `await coro` does. What did the agent do between creating "
                           "its tasks and awaiting them?",
                        2: "asyncio runs every task on the loop's one thread."},
    ),
    MultipleChoice(
        "You call task.cancel() on a task that is waiting for a tool. Right after the call, "
        "the task is...",
        ["cancelled", "still pending: CancelledError lands at its next step",
         "done, with result None"],
        answer=1,
        explanation="cancel() is a request: on the loop's next turn, CancelledError is thrown "
                    "into the coroutine at the await where it waits. The task ends cancelled only "
                    "if the coroutine lets that exception propagate.",
        wrong_feedback={0: "Look at the 'cancel() called' column of the state table.",
                        2: "A cancelled task has no result at all; and has it even been told yet?"},
    ),
    MultipleChoice(
        "You cancel a task whose coroutine wraps its await in `try: ... except "
        "asyncio.CancelledError: return 'stopped'`. Once it has finished, the task is...",
        ["cancelled", "done, with the result 'stopped'", "failed, with CancelledError as its exception"],
        answer=1,
        explanation="A task ends cancelled only if CancelledError propagates out of its coroutine. "
                    "This one caught it and returned, so the cancellation was swallowed: use "
                    "finally (or re-raise) for cleanup instead.",
        wrong_feedback={0: "Look at the 'stubborn' row of the state table: what did cancel() do to it?",
                        2: "The exception never left the coroutine; what did the coroutine do instead?"},
    ),
    MultipleChoice(
        "Why keep a reference to a task you start 'fire and forget'?",
        ["The loop keeps only weak references, so an unreferenced task can be garbage-collected "
         "before it finishes",
         "Without a reference the task runs twice",
         "A referenced task runs faster"],
        answer=0,
        explanation="Keep it in a set with add_done_callback(set.discard), await it, or use a "
                    "TaskGroup.",
        wrong_feedback={1: "Nothing makes a task run twice; think about what the garbage collector "
                           "may do to an object nobody holds.",
                        2: "References do not change speed; think about the task's survival."},
    ),
    ShortAnswer(
        "A background task raised an exception, and no code awaited it or called result() or "
        "exception(). What happens, and how do you prevent it?",
        keywords=[r"(never retrieved|log|lost|silent|unnoticed|nobody)",
                  r"(await|result|exception\(|callback|gather|TaskGroup)"],
        model_answer="The error is lost: asyncio only logs 'Task exception was never retrieved' "
                     "when the task is garbage-collected. Await every task (or gather it, or use a "
                     "TaskGroup), or add a done callback that checks task.exception() and reports it.",
        nudge="Think about when anyone would notice the error, and which calls hand it to your code.",
    ),
]
