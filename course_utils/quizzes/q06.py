"""Quiz for lesson 06 (task groups: async with, TaskGroup, except*)."""

from course_utils.quizzes import MultipleChoice, ShortAnswer

QUESTIONS = [
    MultipleChoice(
        "What does `async with x:` do that `with x:` cannot?",
        ["It runs the block on another thread",
         "It awaits x.__aenter__() before the block and x.__aexit__(...) after it, so entering and "
         "leaving can wait (close connections, wait for tasks) without blocking the loop",
         "It makes every call inside the block concurrent"],
        answer=1,
        explanation="async with is a with block whose enter and exit are coroutines; a TaskGroup "
                    "uses its exit to wait for every task in the group.",
        wrong_feedback={0: "Everything in asyncio runs on the loop's one thread.",
                        2: "Inside the block, code runs as usual; concurrency comes from the "
                           "tasks you create."},
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
    MultipleChoice(
        "Two tasks in a TaskGroup fail at once, one with KeyError and one with "
        "FileNotFoundError. The code has `except* KeyError:` and then `except* FileNotFoundError:`. "
        "Which clauses run?",
        ["Only the first one", "Both, each with the sub-group of its type",
         "Neither: except* needs one clause per task"],
        answer=1,
        explanation="Unlike except, every matching except* clause runs, each receiving an "
                    "ExceptionGroup of just the exceptions of its type.",
        wrong_feedback={0: "That is how plain except behaves. Look at the `handled` dict in the lesson.",
                        2: "except* matches by type, not by task."},
    ),
    ShortAnswer(
        "An agent step is: model call, three tool calls, model call. You run the tools in a "
        "TaskGroup. Why does the whole step get less faster than its tool phase?",
        keywords=[r"(model|llm|plan|answer)", r"(sequen|depend|before|after|previous|spine|cannot overlap|in turn)"],
        model_answer="Only the tool calls overlap; the two model calls depend on the previous "
                     "result (the plan before the tools, the tool outputs before the answer), so "
                     "they stay sequential and dilute the gain.",
        nudge="Which parts of the step could overlap, and which need the result of the part before?",
    ),
]
