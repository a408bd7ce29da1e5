"""Quiz for lesson 08 (rate limits: token buckets, races, AIMD, aiolimiter)."""

from course_utils.quizzes import MultipleChoice, ShortAnswer

QUESTIONS = [
    MultipleChoice(
        "A limiter's acquire does `while not bucket.try_take(1): await asyncio.sleep(bucket.wait_time(1))`, "
        "and nothing else. Many tasks call it at once. Can two of them spend the same token?",
        ["Yes, unless an asyncio.Lock guards the loop",
         "No: try_take checks and takes with no await in between, and asyncio only switches "
         "tasks at an await",
         "Yes, because the tasks run on different threads"],
        answer=1,
        explanation="A race needs an await between the check and the act (as in acquire_racy). "
                    "Without one, no other task can run in between, so no lock is needed for safety.",
        wrong_feedback={0: "Where could another task run between the check and the take?",
                        2: "All tasks of a loop run on its one thread."},
    ),
    MultipleChoice(
        "Then what does the asyncio.Lock in the lesson's RateLimiter buy?",
        ["Nothing at all; it can be removed with no change in behaviour",
         "Fairness: waiters are served first come, first served, so a large request cannot be "
         "overtaken forever by small ones arriving later",
         "Thread safety, so the limiter can be shared between threads"],
        answer=1,
        explanation="With the lock, one task at a time waits for the buckets, in arrival order; "
                    "without it, whoever wakes up first after a refill takes it.",
        wrong_feedback={0: "Safety does not need it, but think about who gets the next refill "
                           "when several tasks are waiting.",
                        2: "asyncio.Lock is not thread-safe; it orders tasks on one loop."},
    ),
    MultipleChoice(
        "`AsyncLimiter(600, 60)` guards calls to a provider that allows 600 requests per minute "
        "in bursts of at most 5. You start 200 calls at once. What happens?",
        ["They go out at a steady 10 per second",
         "Almost all of them go out at once and most come back 429",
         "The limiter raises ValueError because 200 > 5"],
        answer=1,
        explanation="aiolimiter lets up to max_rate acquisitions through in a burst, so all 200 "
                    "start immediately; pick the period so that max_rate equals the provider's "
                    "burst (5 per 0.5 s).",
        wrong_feedback={0: "That is the average rate. How big a burst does a leaky bucket of "
                           "size max_rate allow when it starts empty?",
                        2: "The limiter does not know the provider's burst. Count how many "
                           "acquisitions fit in its bucket at the start."},
    ),
    ShortAnswer(
        "Why does a client-side token-bucket limiter avoid 429s where a semaphore of 'about the "
        "right size' does not?",
        keywords=[r"(rate|per (second|minute)|tokens? per|refill)",
                  r"(latenc|faster|shorter|concurren|in flight|speed)"],
        model_answer="The bucket limits the rate of requests started, which is exactly what the "
                     "provider limits; a semaphore limits concurrency, so the rate it produces "
                     "depends on latency and rises when answers get faster or shorter.",
        nudge="What does the provider count, and what does a semaphore count? What happens to "
              "the semaphore's request rate when latency drops?",
    ),
    ShortAnswer(
        "In the AIMD limiter, a request that gets a 429 releases its slot and only then sleeps "
        "for retry_after. Why not sleep while holding the slot?",
        keywords=[r"(slot|window|concurren|in flight|capacity)", r"(idle|block|other|waste|nobody|hold)"],
        model_answer="A sleeping retry sends nothing, so holding its slot would keep other "
                     "requests out for the whole wait: the window would sit idle and throughput "
                     "would drop. Release first, sleep, then acquire again.",
        nudge="While the retry sleeps, who else could be using that slot?",
    ),
]
