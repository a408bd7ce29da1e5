"""Quiz for lesson 02 (why async)."""

from course_utils.quizzes import MultipleChoice, ShortAnswer

QUESTIONS = [
    MultipleChoice(
        "Inside an async def, you await three independent 0.3 s tool calls one after another. "
        "The function takes about...",
        ["0.3 s", "0.9 s", "0.1 s"],
        answer=1,
        explanation="Each await waits for its call to finish before the next one starts, so the "
                    "waits add up exactly as in sync code.",
        wrong_feedback={0: "That would need the calls to overlap. Does anything start the second "
                           "call before the first answers?",
                        2: "No call can finish faster than its own latency."},
    ),
    MultipleChoice(
        "You gather three CPU-bound crunch_numbers calls, each wrapped in async def. Compared "
        "with running them one after another, the gathered version is...",
        ["about 3x faster", "about as fast", "about 3x slower"],
        answer=1,
        explanation="The work never awaits, so each task holds the one thread until it is done: "
                    "the computations take turns, and nothing overlaps.",
        wrong_feedback={0: "Look at the timeline of the crunches: what would have to overlap for "
                           "a 3x speedup, and can one thread do that?",
                        2: "The loop adds very little overhead; the work itself is the same."},
    ),
    MultipleChoice(
        "The three gathered tool calls for one student ran on how many threads?",
        ["one thread per call", "one thread in total", "one thread per CPU core"],
        answer=1,
        explanation="asyncio is concurrency on one thread: each call runs until it waits, then "
                    "the loop runs another.",
        wrong_feedback={0: "Check the set of thread names the lesson collected.",
                        2: "Using several cores at once would be parallelism; is that what asyncio does?"},
    ),
    ShortAnswer(
        "Only one thread runs, yet gathering three tool calls makes the profile about 3x faster. "
        "Why?",
        keywords=[r"wait", r"(overlap|same time|together|while|meanwhile|concurren|in parallel)"],
        model_answer="Each call spends almost all its time waiting for its service. While one "
                     "waits, the loop starts and resumes the others, so the three waits overlap "
                     "and the total is about the slowest call instead of the sum.",
        nudge="What is each call doing for most of its 0.3 s, and what can the thread do meanwhile?",
    ),
]
