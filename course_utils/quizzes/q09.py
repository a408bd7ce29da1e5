"""Quiz for lesson 09 (timeouts, the cancellation flow, swallowed cancellation, shield)."""

from course_utils.quizzes import MultipleChoice, ShortAnswer

QUESTIONS = [
    MultipleChoice(
        "`async with asyncio.timeout(5): await llm.complete(prompt)` and the call hangs. What "
        "happens after 5 seconds?",
        ["The call keeps running in the background and the block raises TimeoutError",
         "The task is cancelled at its await (CancelledError inside), and the block raises "
         "TimeoutError",
         "The block returns None"],
        answer=1,
        explanation="A timeout cancels the task: CancelledError is raised at the suspended await, "
                    "finally blocks run, and the context manager turns it into TimeoutError.",
        wrong_feedback={0: "Look at the connection counter in the lesson: what did the finally "
                           "block tell you about the call after the deadline?",
                        2: "Did the lesson's timeout cell end quietly, or with an exception?"},
    ),
    MultipleChoice(
        "In the cancellation flow, in which order do these happen? (a) `finally` blocks run, "
        "(b) CancelledError is raised at the await, (c) `except TimeoutError` runs.",
        ["(b), (a), (c)", "(a), (b), (c)", "(c), (b), (a)"],
        answer=0,
        explanation="The timeout cancels the task; CancelledError appears at the suspended await, "
                    "unwinds through every finally, and only the timeout's own block turns it "
                    "into TimeoutError for your except.",
        wrong_feedback={1: "What makes the finally run? Something has to unwind the coroutine "
                           "first.",
                        2: "The TimeoutError is made by the `async with asyncio.timeout` block "
                           "on its way out: what has to pass through it before that?"},
    ),
    MultipleChoice(
        "A retry loop uses `except BaseException:` around `await llm.complete(...)`, inside an "
        "`asyncio.timeout(1)` block. The first call hangs. What do you observe?",
        ["TimeoutError after about 1 second, as usual",
         "The cancellation is swallowed: no TimeoutError, and the block can run far past its "
         "deadline",
         "A RuntimeError saying the task was cancelled twice"],
        answer=1,
        explanation="CancelledError is a BaseException, so the loop catches it and retries; the "
                    "timeout never gets its CancelledError back, so it cannot raise TimeoutError.",
        wrong_feedback={0: "Which exception does the timeout use to stop the task, and which "
                           "classes does `except BaseException` catch?",
                        2: "asyncio does not detect this bug for you; the lesson measured what "
                           "happened instead."},
    ),
    ShortAnswer(
        "An agent writes its memory with `await asyncio.shield(save_task)` inside a 1.5-second "
        "timeout. The timeout fires during the write. What happens to the caller, and what to "
        "the write?",
        keywords=[r"(timeout|timeouterror|cancel|released|on time|deadline)",
                  r"(finish|complete|continu|keeps? running|runs on|saved|survive)"],
        model_answer="The caller gets its TimeoutError at the deadline as usual; the shielded "
                     "task is not cancelled and finishes the write afterwards (keep a reference "
                     "to it and await it later).",
        nudge="The shield protects one of the two. Which one still gets cancelled?",
    ),
]
