"""Quiz for lesson 05 (many at once: gather, as_completed, wait)."""

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
        wrong_feedback={0: "That is what lesson 06's TaskGroup does. What did the 'still running' "
                           "list print in the gather cell?",
                        2: "Look at when the exception reached the caller in the lesson: before or "
                           "after the healthy calls finished?"},
    ),
    MultipleChoice(
        "A timeout cancels the task that is awaiting `asyncio.gather(a(), b(), c())`. What "
        "happens to a, b and c?",
        ["They keep running in the background", "They are cancelled too",
         "Only the one that was running at that instant is cancelled"],
        answer=1,
        explanation="Cancelling a gather (or the task awaiting it) cancels every child it runs; "
                    "it is a failing child that leaves its siblings running.",
        wrong_feedback={0: "Look at the cell that called group.cancel(): what did "
                           "t.cancelled() print for each child?",
                        2: "On one thread, none of them is running while your task is being "
                           "cancelled; they are all waiting."},
    ),
    MultipleChoice(
        "On Python 3.11 you write `for aw in asyncio.as_completed(tasks): result = await aw`. "
        "How do you know which task a result came from?",
        ["aw is the original task, so compare it with your list",
         "Make each coroutine return its own label along with its result",
         "as_completed yields results in the order of the list"],
        answer=1,
        explanation="In 3.11 and 3.12 the plain for loop yields new awaitables, not your tasks. "
                    "Python 3.13 added `async for task in asyncio.as_completed(tasks)`, which "
                    "yields the original tasks.",
        wrong_feedback={0: "That is true only of the `async for` form, new in Python 3.13.",
                        2: "The whole point of as_completed is completion order."},
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
