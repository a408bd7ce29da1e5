"""Quiz for lesson 24 (capstone: a research assistant for many users)."""

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
        "The model's stream is cut halfway through an answer that is already streaming with "
        "status 200. What should the endpoint do?",
        ["Nothing special: the student got half an answer, which is better than none",
         "Count the request as failed and end the body in a way the client sees as incomplete "
         "(or send an explicit error event); close the model's stream in finally",
         "Change the status code to 503"],
        answer=1,
        explanation="The status line is already sent, so it cannot change. A silently "
                    "truncated 200 looks like success to the client and to your metrics: count "
                    "it as a failure and make the cut visible.",
        wrong_feedback={0: "Would the client, or your metrics, know the answer is incomplete?",
                        2: "Once the headers are sent, the status cannot change."},
    ),
    MultipleChoice(
        "The capstone's planner calls the model through the openai SDK, and every call goes "
        "through the `Tuned` policy (token bucket, backoff with jitter). Why is the client made "
        "with `max_retries=0`?",
        ["The SDK would otherwise retry 429s and 5xx errors on its own, behind the policy: "
         "calls the token bucket never paced, and retries multiplied by retries",
         "With retries on, the SDK cannot send tool definitions",
         "`max_retries=0` makes each call faster when nothing fails"],
        answer=0,
        explanation="The openai SDK retries 408, 409, 429, 5xx and connection errors twice by "
                    "default. One layer should own retrying: here the policy, which paces every "
                    "attempt through the token bucket.",
        wrong_feedback={1: "Retries and tools are unrelated: what does the SDK do when it gets a "
                           "429?",
                        2: "When nothing fails, no retry happens either way."},
    ),
    ShortAnswer(
        "FastAPI runs plain `def` endpoints in a thread pool. Give two situations where an async "
        "service still wins over that threaded one.",
        keywords=[r"(many|thousand|stream|connection|open|40|pool|limit)",
                  r"(cancel|disconnect|memory|stack|cheap|leave)"],
        model_answer="Many concurrent open streams (a thread is held per stream, and the default "
                     "pool has 40 threads; a task costs a few KB), cancelling work when the "
                     "client disconnects (a thread cannot be cancelled), and memory per "
                     "connection.",
        nudge="What does a slow streaming answer hold for its whole duration, and what can you "
              "do to a task that you cannot do to a thread?",
    ),
]
