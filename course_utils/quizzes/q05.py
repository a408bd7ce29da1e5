"""Quiz for lesson 05 (many at once: gather, as_completed, wait, TaskGroup)."""

from course_utils.quizzes import MultipleChoice, ShortAnswer

QUESTIONS = [
    MultipleChoice(
        "`results = await asyncio.gather(search(), weather(), read_doc())`. read_doc finishes "
        "first and search finishes last. What is results[0]?",
        ["read_doc's result", "search's result", "whichever finished first; it varies between runs"],
        answer=1,
        explanation="gather returns results in the order of its arguments, however the tasks "
                    "finish, so zipping results with the inputs is safe.",
        wrong_feedback={0: "That would be completion order. Which helper hands you results in "
                           "completion order?",
                        2: "Finishing order can vary, but look at the first assert in the lesson: "
                           "what did it compare results[0] with?"},
    ),
    MultipleChoice(
        "Three LLM calls run under `asyncio.gather(...)` (no return_exceptions). The second "
        "raises ServerError after 0.1 s. What happens to the first and third calls?",
        ["They are cancelled at once",
         "They keep running; the ServerError reaches the caller straight away",
         "gather waits for them, then raises the ServerError"],
        answer=1,
        explanation="gather propagates the first exception immediately but does not cancel the "
                    "other awaitables: they run on, and cost tokens, unless you cancel them.",
        wrong_feedback={0: "That is what a different construct in this lesson does. What did the "
                           "'still running' list print in the gather cell?",
                        2: "Look at when the exception reached the caller in the lesson: before or "
                           "after the healthy calls finished?"},
    ),
    MultipleChoice(
        "Code wraps a TaskGroup in `try: ... except ServerError: ...`. One task raises "
        "ServerError. What happens?",
        ["The except clause runs and the other tasks keep going",
         "The other tasks are cancelled and the except clause handles the error",
         "The other tasks are cancelled and an ExceptionGroup escapes the except clause"],
        answer=2,
        explanation="A TaskGroup cancels the siblings and raises an ExceptionGroup; only "
                    "`except* ServerError` (or `except ExceptionGroup`) matches it.",
        wrong_feedback={0: "Think about what structured concurrency promises when one required "
                           "task fails.",
                        1: "Half right. What type of exception does a TaskGroup actually raise?"},
    ),
    ShortAnswer(
        "You race three model replicas with `asyncio.wait(..., return_when=FIRST_COMPLETED)` and "
        "use the first good answer. Why should you then cancel the pending tasks, and why await "
        "them too?",
        keywords=[r"(cost|pay|bill|token|money|wast|resource|quota|connection)",
                  r"(still|keep|continu|background|leak|outliv|finish|actually|stopped|clean)"],
        model_answer="Otherwise the losing requests keep running in the background, still "
                     "costing tokens and holding connections; awaiting them after cancel() makes "
                     "sure they have actually stopped before the function returns.",
        nudge="What do the losing requests do if nobody stops them, and what does that cost? "
              "And does cancel() alone guarantee they have stopped?",
    ),
]
