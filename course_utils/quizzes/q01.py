"""Quiz for lesson 01 (start here)."""

from course_utils.quizzes import MultipleChoice, ShortAnswer

QUESTIONS = [
    MultipleChoice(
        "You start the course with COURSE_TIME_SCALE=0.1. A lesson cell runs "
        "`await asyncio.sleep(2)` and measures it with loop.time(). What do you see?",
        ["loop.time() moves by 2.0, and the cell really waited 0.2 s",
         "loop.time() moves by 0.2, and the cell really waited 0.2 s",
         "loop.time() moves by 2.0, and the cell really waited 20 s"],
        answer=0,
        explanation="After `import course_utils` the kernel's loop counts course seconds: plain "
                    "asyncio code and loop.time() read 2 course seconds, which last "
                    "2 x 0.1 = 0.2 real seconds.",
        wrong_feedback={1: "The code you write and the loop's clock both count course seconds; "
                           "only the real wait shrinks.",
                        2: "A scale below 1 makes the course run faster, not slower."},
    ),
    MultipleChoice(
        "You ask the simulated LLM the same prompt twice, from two clients built with "
        "connect(seed=7). The two answer texts...",
        ["are identical", "differ every time", "differ only in length"],
        answer=0,
        explanation="Texts are drawn from the seed and the prompt, so runs are reproducible.",
        wrong_feedback={1: "Look at the cell that built two clients with seed=7 and compared them.",
                        2: "Length comes from the same seeded draw as the words themselves."},
    ),
    MultipleChoice(
        "A chat agent streams its answer. Compared with the time to the whole answer, the time "
        "to the first token is...",
        ["about the same", "much shorter", "longer, because streaming adds overhead"],
        answer=1,
        explanation="Tokens arrive as they are generated, so the user sees text after the first "
                    "one instead of waiting for the last.",
        wrong_feedback={0: "Compare stream.ttft with stream.completion.latency in the streaming cell.",
                        2: "Streaming does not delay the first token; think about when each token exists."},
    ),
    MultipleChoice(
        "Where should your real provider's API key go?",
        ["In a notebook cell: os.environ['COURSE_LLM_API_KEY'] = '...'",
         "In the COURSE_LLM_API_KEY environment variable, set in the terminal before starting JupyterLab",
         "In the prompt, so the model can authenticate"],
        answer=1,
        explanation="The course reads it from the environment only and never prints it; a key "
                    "typed in a cell is saved in the notebook file.",
        wrong_feedback={0: "What happens to everything you type in a cell when the notebook is saved?",
                        2: "The prompt is sent to the model and logged; authentication is separate."},
    ),
    ShortAnswer(
        "Why does the course default to a simulated LLM rather than a real provider?",
        keywords=[r"(key|cost|free|network|offline|wifi)", r"(determin|same|reproduc|seed)"],
        model_answer="It needs no API key or network, costs nothing, and is deterministic (seeded), "
                     "so every learner sees the same timings and failures.",
        nudge="Think about what a workshop room without wifi needs, and about reproducing a result.",
    ),
]
