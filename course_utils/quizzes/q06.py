"""Quiz for lesson 06 (limiting concurrency: semaphores, token buckets, AIMD, aiolimiter)."""

from course_utils.quizzes import MultipleChoice, ShortAnswer

QUESTIONS = [
    MultipleChoice(
        "Your calls take about 0.5 s each and you run them through `asyncio.Semaphore(8)`. "
        "Roughly how many requests per second do you send?",
        ["8", "16", "4", "It depends only on the provider's rate limit"],
        answer=1,
        explanation="Little's law: throughput = requests in flight / latency = 8 / 0.5 s = 16 per "
                    "second. A semaphore sets concurrency; the rate follows from the latency.",
        wrong_feedback={0: "8 is how many are in flight at once. How many times per second does "
                           "each slot finish a request?",
                        2: "Each slot completes a request every 0.5 s: does that make the rate "
                           "larger or smaller than 8?",
                        3: "The semaphore does not know the provider's limit. What links "
                           "concurrency, latency and throughput?"},
    ),
    MultipleChoice(
        "You process 32 requests, 8 at a time, and some requests are much slower than others. "
        "Why is a sliding window (semaphore) faster than `gather` on fixed batches of 8?",
        ["The semaphore runs the requests in parallel on several cores",
         "Each batch waits for its slowest request while finished slots sit idle; the window "
         "starts a new request as soon as one finishes",
         "gather has more overhead per task than a semaphore"],
        answer=1,
        explanation="Both cap concurrency at 8, but fixed batches leave slots idle until the "
                    "slowest member of the batch is done.",
        wrong_feedback={0: "Everything in the lesson ran on one thread: asyncio is concurrency, "
                           "not parallelism. Look at the idle gaps in the batch timeline.",
                        2: "The overhead is microseconds; the difference in the lesson was "
                           "seconds. What were the slots doing between batches?"},
    ),
    MultipleChoice(
        "`AsyncLimiter(600, time_period=60)` guards calls to a provider that allows 600 "
        "requests per minute in bursts of at most 5. You start 200 calls at once. What happens?",
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
]
