"""Quiz for lesson 01 (start here)."""

from course_utils.quizzes import MultipleChoice, ShortAnswer

QUESTIONS = [
    MultipleChoice(
        "You set COURSE_TIME_SCALE=0.1. A simulated call that the lesson reports as taking "
        "2.0 course seconds really took...",
        ["2.0 real seconds", "0.2 real seconds", "20 real seconds"],
        answer=1,
        explanation="Real seconds = course seconds x scale; every report converts back to course seconds.",
        wrong_feedback={0: "That is the course-time figure; the scale changes the real wait.",
                        2: "A scale below 1 makes the course run faster, not slower."},
    ),
    MultipleChoice(
        "You ask the simulated LLM the same prompt twice with the same seed. The two answers...",
        ["are identical", "differ every time", "differ only in length"],
        answer=0,
        explanation="Texts are drawn from the seed and the prompt, so runs are reproducible.",
    ),
    ShortAnswer(
        "Why does the course default to a simulated LLM rather than a real provider?",
        keywords=[r"(key|cost|free|network|offline|wifi)", r"(determin|same|reproduc|seed)"],
        model_answer="It needs no API key or network, costs nothing, and is deterministic (seeded), "
                     "so every learner sees the same timings and failures.",
        nudge="Think about what a workshop room without wifi needs, and about reproducing a result.",
    ),
]
