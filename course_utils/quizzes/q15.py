"""Quiz for lesson 15 (capstone: a research assistant for many users)."""

from course_utils.quizzes import MultipleChoice, ShortAnswer

QUESTIONS = [
    MultipleChoice(
        "Five identical questions arrive at the same moment. The cache code is `if q in cache: "
        "return cache[q]` / `notes = await research(q)` / `cache[q] = notes`. How many research "
        "runs happen?",
        ["1", "5", "it depends on which request finishes first"],
        answer=1,
        explanation="All five check the cache before the first one has stored anything, so all "
                    "five miss. Store the in-flight task instead (single flight).",
        wrong_feedback={0: "When does the first request write to the cache: before or after its "
                           "await?",
                        2: "The order of finishing does not matter; what has been stored when "
                           "each request checks?"},
    ),
    MultipleChoice(
        "The provider allows bursts of 10 and 5 requests per second. 120 calls are sent at once, "
        "each retried after a fixed 0.5 s. What happens?",
        ["About 10 succeed, and most retries hit 429 again because the bucket has barely refilled",
         "All 120 succeed on the first retry",
         "The provider queues the extra calls and answers them in order"],
        answer=0,
        explanation="In 0.5 s the bucket refills only 2-3 tokens, yet ~110 retries arrive at "
                    "once: a retry storm. Pace calls on your side and back off with jitter.",
        wrong_feedback={1: "How many tokens does the bucket regain in half a second?",
                        2: "A rate-limited API refuses with 429; it does not queue for you."},
    ),
    MultipleChoice(
        "Why does the endpoint fetch the first token *before* returning the StreamingResponse?",
        ["It makes the first token arrive sooner",
         "A streaming response sends its 200 status before the body, so later failures cannot "
         "become a proper error status",
         "FastAPI requires at least one item before it can stream"],
        answer=1,
        explanation="Once the headers are sent, an error can only cut the stream. Failing before "
                    "the stream starts lets the client see a clean 429 or 503.",
        wrong_feedback={0: "The first token takes just as long either way. What has the client "
                           "already received when the body starts?",
                        2: "FastAPI streams an empty generator happily. Think about the status "
                           "line."},
    ),
    ShortAnswer(
        "The sync row of the report is extrapolated from three measured students. What makes that "
        "extrapolation fair, and what would make it misleading?",
        keywords=[r"(one (at a time|after)|sequential|serial|in turn|queue)",
                  r"(cache|repeat|same question|distinct|hit|research.* once)"],
        model_answer="A single-threaded sync server handles students one after another, so total "
                     "time is the sum of per-student times; each distinct question costs research "
                     "plus writing, a repeated one (cache hit) only writing. Measuring only cache "
                     "misses, or ignoring the repeated questions, would make it misleading.",
        nudge="Think about how a one-at-a-time server spends its time, and about the questions "
              "that repeat.",
    ),
]
