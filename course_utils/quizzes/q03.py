"""Quiz for lesson 03 (the event loop)."""

from course_utils.quizzes import MultipleChoice, ShortAnswer

QUESTIONS = [
    MultipleChoice(
        "In a cell you call loop.call_soon(f), then asyncio.create_task(t()), then "
        "loop.call_soon(g), then await something slow. In what order do they run?",
        ["f, then t's first step, then g", "t's first step, then f, then g",
         "f, then g, then t's first step"],
        answer=0,
        explanation="create_task schedules the task's first step with call_soon, and the ready "
                    "queue is first in, first out.",
        wrong_feedback={1: "Does creating a task run it on the spot, or put it in a queue?",
                        2: "Tasks do not get a queue of their own; where does create_task put the first step?"},
    ),
    MultipleChoice(
        "Why does asyncio.run(main()) raise RuntimeError inside a notebook cell?",
        ["Jupyter does not support asyncio",
         "The kernel's loop is already running: asyncio.run would have to block it while main() needs it",
         "asyncio.run accepts functions, not coroutine objects"],
        answer=1,
        explanation="The cell is itself running inside the kernel's loop; the fix is to write "
                    "await main().",
        wrong_feedback={0: "Top-level await works in the same notebook; what is different about asyncio.run?",
                        2: "The same call works in a script; what is true in the notebook but not there?"},
    ),
    MultipleChoice(
        "One task computes for 0.2 s without awaiting. Meanwhile another task's sleep ends. "
        "That other task...",
        ["resumes at once on another thread",
         "waits, queued, until the first task reaches an await",
         "interrupts the first task"],
        answer=1,
        explanation="The loop runs one step at a time on one thread; a ready task waits its turn "
                    "(the orange 'queued' time on a timeline).",
        wrong_feedback={0: "How many threads does the event loop use to run tasks?",
                        2: "asyncio is cooperative: can the loop take control away from a running step?"},
    ),
    ShortAnswer(
        "Why should new code avoid nest_asyncio?",
        keywords=[r"(patch|process|global|whole|every)", r"(await|archiv|maintain|slow|re-?entr)"],
        model_answer="It patches asyncio process-wide (asyncio.run, the loop's methods, and it swaps "
                     "Task and Future for slower pure-Python versions), makes the loop re-entrant so "
                     "other tasks can run in the middle of a plain call, and the project is archived. "
                     "In a notebook, top-level await already works.",
        nudge="Think about what apply() changes, for whom, and what a notebook offers instead.",
    ),
]
