"""Quiz for lesson 14 (when sync meets async)."""

from course_utils.quizzes import MultipleChoice, ShortAnswer

QUESTIONS = [
    MultipleChoice(
        "A library's `async def ask(prompt)` calls a blocking SDK inside. You write "
        "`await ask(prompt)` in one agent while three others run. What happens?",
        ["Only the calling agent waits; `await` hands the loop to the others",
         "The whole loop freezes until the SDK call returns: every agent waits",
         "Python runs the SDK call in a thread automatically",
         "It raises RuntimeError: blocking call in coroutine"],
        answer=1,
        explanation="`await` only yields when the awaited code reaches a real suspension point; a "
                    "blocking call inside never does, so the loop's one thread is stuck.",
        wrong_feedback={
            0: "Look at the lag plot of the hasty agent: which spike was the awaited LLM call?",
            2: "asyncio never moves code to a thread unless you ask (to_thread, run_in_executor).",
            3: "Nothing raises: debug mode can log it, but the code runs, slowly, for everyone.",
        },
    ),
    MultipleChoice(
        "On a 4-core machine you start 40 blocking tool calls with `asyncio.to_thread`, each "
        "taking 1 s. Roughly how long does it take?",
        ["1 s: all 40 run at once",
         "40 s: to_thread runs them one by one",
         "About 5 s: the default executor has min(32, 4 + 4) = 8 threads, so 5 rounds",
         "About 10 s: one thread per core"],
        answer=2,
        explanation="to_thread uses the loop's default ThreadPoolExecutor, sized min(32, "
                    "os.cpu_count() + 4) up to Python 3.12 and min(32, os.process_cpu_count() + 4) "
                    "from 3.13; extra calls queue for a thread.",
        wrong_feedback={
            0: "Threads come from a pool: how many does the default pool have?",
            1: "They do overlap, just not all of them.",
            3: "Waiting threads do not need a core each; the pool size is not the core count.",
        },
    ),
    MultipleChoice(
        "Which is the right tool for a pure-Python, CPU-heavy step (say, scoring 10,000 "
        "documents) in an async agent?",
        ["`await asyncio.sleep(0)` inside the loop now and then",
         "`asyncio.to_thread`: threads run in parallel",
         "`asyncio.gather` over the documents",
         "`loop.run_in_executor` with a `ProcessPoolExecutor`"],
        answer=3,
        explanation="Processes each have their own interpreter and GIL, so they can use idle cores; "
                    "the loop stays free while it awaits their results. (Only a free-threaded "
                    "build, 3.13t/3.14t, lets threads run Python on several cores.)",
        wrong_feedback={
            0: "That keeps the loop responsive but makes the work no faster (and slower overall).",
            1: "On a regular (GIL) build, what does the GIL allow two threads running Python code "
               "to do at the same time?",
            2: "gather overlaps waiting; is there any waiting in pure computation?",
        },
    ),
    ShortAnswer(
        "Why is the memory directory created in an async context manager rather than with a plain "
        "`mkdtemp()` at the top of the agent and `rmtree()` at the bottom?",
        keywords=[r"(error|exception|fail|crash|raise|cancel)", r"(clean|remov|delet|teardown|finally|exit)"],
        model_answer="Because the teardown in a context manager (its finally / __aexit__) runs even "
                     "when the agent raises or is cancelled; a line at the bottom of the agent is "
                     "skipped on an error, leaking the directory.",
        nudge="What happens to the last line of a function when a line before it raises?",
    ),
    MultipleChoice(
        "`async with asyncio.timeout(1): await asyncio.to_thread(slow_query)` and `slow_query` "
        "takes 10 s. What happens at 1 s?",
        ["The thread is stopped and its pool slot freed",
         "Your task gets TimeoutError, but the thread runs slow_query to the end, holding its "
         "pool slot for 9 more seconds",
         "The timeout waits for the thread, then raises TimeoutError at 10 s"],
        answer=1,
        explanation="Cancellation reaches the await, not the thread: Python cannot interrupt a "
                    "thread. The lesson's one-thread pool showed the next job waiting for the "
                    "abandoned one.",
        wrong_feedback={0: "In the lesson, when did the next job on the one-thread pool finish?",
                        2: "The lesson's task gave up after about 0.1 s: the await does stop on "
                           "time."},
    ),
]
