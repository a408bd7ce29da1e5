"""Quiz for lesson 07 (timeouts, cancellation, shield, retries, fallbacks)."""

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
    MultipleChoice(
        "Thirty clients hit a 503 at the same moment and all retry with backoff "
        "min(cap, base * 2**attempt), without jitter. What goes wrong?",
        ["Nothing: exponential backoff alone spreads the retries",
         "They all retry at the same instants, in waves that overload the server again",
         "The waits grow too slowly to help"],
        answer=1,
        explanation="Without randomness, clients that failed together retry together. Full "
                    "jitter (a random wait between 0 and the bound) spreads them out.",
        wrong_feedback={0: "Compare the middle and bottom timelines in the lesson: when did the "
                           "retries happen?",
                        2: "The bound doubles every attempt; the problem is not the size of the "
                           "wait but that everyone picks the same one."},
    ),
    ShortAnswer(
        "An agent tries its preferred model, then a fallback model, then a cache. Why give each "
        "attempt its own timeout instead of one timeout around the whole ladder?",
        keywords=[r"(first|preferred|primary|slow|hang|one (model|attempt|rung))",
                  r"(budget|time|deadline|left|remaining|fallback|next|rest)"],
        model_answer="With a single outer timeout, a slow or hung first model can use up the "
                     "whole budget, leaving no time for the fallback; a per-attempt timeout "
                     "caps each rung so the next one still gets its chance within the deadline.",
        nudge="Imagine the preferred model hangs. With only one timeout around everything, how "
              "much time is left for the fallback when it fires?",
    ),
]
