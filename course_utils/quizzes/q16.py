"""Quiz for lesson 16 (debugging and observing async code)."""

from course_utils.quizzes import MultipleChoice, ShortAnswer

QUESTIONS = [
    ShortAnswer(
        "Name two things asyncio's debug mode reports that normal mode does not.",
        keywords=[r"(slow|took|block|callback|slow_callback_duration|long)",
                  r"(created at|where|origin|traceback|thread|never awaited|unawaited|non-thread-safe)"],
        model_answer="Callbacks or task steps that hold the loop longer than slow_callback_duration "
                     "('Executing <Task ...> took 0.3 seconds'), where a never-awaited coroutine was "
                     "created, and non-thread-safe calls into the loop from other threads.",
        nudge="Think of the two log messages the lesson captured in section 1.",
    ),
    MultipleChoice(
        "Thirty users ask the same question at the same moment, and your cache is a dict filled "
        "after `await llm.complete(...)`. How many LLM calls are made?",
        ["1", "30: every caller misses, because nothing is stored until the first call finishes",
         "15", "0"],
        answer=1,
        explanation="This is the cache stampede; caching the in-flight task (and letting later "
                    "callers await it) turns 30 calls into 1.",
        wrong_feedback={
            0: "That is what you want, but when does the dict get its value?",
            2: "Think about when each caller checks the dict, relative to the first call finishing.",
            3: "The first caller certainly calls the model.",
        },
    ),
    MultipleChoice(
        "A single-flight cache removes a failed call from its in-flight table in the first "
        "caller's `except Exception:` block. The first caller is cancelled, then the shared call "
        "fails. What happens next?",
        ["The next caller starts a fresh call, as intended",
         "The failure stays in the table: every later caller gets the old error without a new "
         "call, because the cancelled caller never ran its except block",
         "asyncio.shield re-runs the except block for the cancelled caller",
         "The shared call is cancelled too, so nothing is cached"],
        answer=1,
        explanation="CancelledError is not an Exception, and the cancelled caller left before "
                    "the failure. Clean up in a done-callback on the shared task: it runs "
                    "however the task ends, whoever is still waiting.",
        wrong_feedback={
            0: "Who removes the failed entry? Check whether that code ever runs.",
            2: "shield protects the inner task from cancellation; it runs no code of yours.",
            3: "shield keeps the shared call running when one caller is cancelled.",
        },
    ),
    MultipleChoice(
        "Forty calls: the failures came back fast, the successes slowly. You set a timeout from "
        "the average latency of all calls. What goes wrong?",
        ["Nothing: the average is the right basis",
         "The fast failures pull the average down, so the timeout is too short for real answers",
         "The average is always above the maximum",
         "Timeouts must be set from the minimum latency"],
        answer=1,
        explanation="Keep successes and failures apart: base a timeout on the latency of "
                    "successful calls (a high percentile of them), not on a mix.",
        wrong_feedback={
            0: "Look at what the lesson printed for failures and successes separately.",
            2: "An average cannot exceed the maximum.",
            3: "A timeout at the minimum would cut off most answers.",
        },
    ),
]
