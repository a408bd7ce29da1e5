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
         "One thread runs one loop at a time: this thread is running the kernel's loop (the cell "
         "is one of its callbacks), and a nested run would freeze that loop and every task on it "
         "until main() finished",
         "asyncio.run cannot make a new loop, so main() would need the kernel's loop, which the "
         "call itself would block"],
        answer=1,
        explanation="asyncio.run would make a fresh loop, but it would have to run it inside this "
                    "callback, on the thread the kernel's loop needs; even a brand-new loop's "
                    "run_until_complete refuses. In a notebook, write await main().",
        wrong_feedback={0: "Top-level await works in the same notebook; what is different about asyncio.run?",
                        2: "asyncio.run does create a new loop; the lesson even made one with "
                           "new_event_loop(). What stopped that loop from running?"},
    ),
    MultipleChoice(
        "A task runs `result = await future`, where future came from loop.create_future(). "
        "When does the task's next line run?",
        ["Right away: await on a future returns None until it is set",
         "After someone calls future.set_result(...) (or set_exception), on a later turn of the loop",
         "Never: futures are for threads, not for tasks"],
        answer=1,
        explanation="await suspends the task until the future is done; setting it schedules the "
                    "task's next step in the ready queue, which is how timers and sockets wake tasks.",
        wrong_feedback={0: "Look at the cell that awaited a future set by call_later: how long did it wait?",
                        2: "asyncio.sleep itself is a future plus a timer; which loop does it run on?"},
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
