"""Quiz for lesson 07 (limiting concurrency: semaphores, Little's law, sliding windows)."""

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
        "You `gather` 100,000 coroutines that each do `async with sem:` around their call, with "
        "`sem = asyncio.Semaphore(10)`. How many tasks exist while the first ten calls run?",
        ["10", "100,000: all were created up front, most parked on the semaphore", "1"],
        answer=1,
        explanation="gather wraps every coroutine in a task at once; the semaphore only limits "
                    "how many get past `async with`. A sliding window acquires before creating "
                    "each task, so at most 10 exist.",
        wrong_feedback={0: "10 is how many are past the semaphore. What did gather do with the "
                           "other coroutines?",
                        2: "gather runs its awaitables concurrently, each in its own task."},
    ),
    ShortAnswer(
        "You tuned Semaphore(6) so that it stays just under the provider's rate limit. Then you "
        "add a cache and answers get twice as fast. What happens, and why?",
        keywords=[r"(429|refus|rate|limit|too many)", r"(latenc|faster|little|throughput|per second)"],
        model_answer="429s come back: by Little's law the same 6 in flight with half the latency "
                     "send twice as many requests per second, above the provider's rate.",
        nudge="Apply Little's law: what happens to throughput when latency halves and "
              "concurrency stays the same?",
    ),
]
