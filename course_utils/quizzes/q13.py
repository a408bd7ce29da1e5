"""Quiz for lesson 13 (httpx and the OpenAI client)."""

from course_utils.quizzes import MultipleChoice, ShortAnswer

QUESTIONS = [
    MultipleChoice(
        "Your agent makes ten LLM calls in a row. Where should the `httpx.AsyncClient` (or "
        "`AsyncOpenAI`) be created?",
        ["Inside each call, in an `async with` block, so nothing leaks",
         "Once, when the agent starts; every call reuses it, and it is closed when the agent stops",
         "In a new thread per call",
         "It does not matter: connections are never reused anyway"],
        answer=1,
        explanation="A client owns a connection pool: reusing it reuses open connections and skips a "
                    "handshake per call (and the cost of building the client).",
        wrong_feedback={
            0: "It is tidy, but count the connections the lesson measured for that pattern.",
            2: "Threads do not help here; what does each new client have to set up first?",
            3: "The lesson counted connections: how many did one shared client open for six steps?",
        },
    ),
    MultipleChoice(
        "You gather 300 requests through a client with `max_connections=100` and "
        "`timeout=httpx.Timeout(60.0, pool=5.0)`; each LLM call takes 20 s. What happens?",
        ["All 300 succeed, just more slowly",
         "The server answers 429 to the last 200",
         "Requests that wait more than 5 s for a free connection fail with httpx.PoolTimeout, "
         "without reaching the server",
         "httpx opens 300 connections anyway"],
        answer=2,
        explanation="Only 100 requests get a connection; the rest wait in the pool, and the pool "
                    "timeout (5 s here, as in httpx's default) expires long before a 20 s call "
                    "frees one.",
        wrong_feedback={
            0: "Waiting for a pooled connection has its own timeout; how long is it here?",
            1: "Do the waiting requests ever reach the server?",
            3: "The limit is enforced by the client: what do the other 200 requests do?",
        },
    ),
    MultipleChoice(
        "When parsing a chat stream of Server-Sent Events by hand, when do you stop reading?",
        ["At the line `data: [DONE]` (or when the server closes the stream)",
         "At the first blank line",
         "When a chunk's delta has no content",
         "After a fixed number of lines"],
        answer=0,
        explanation="Blank lines separate events and some chunks carry no text (the role, the "
                    "finish reason); `[DONE]` marks the end.",
        wrong_feedback={
            1: "Look at the raw lines the lesson printed: what separates two events?",
            2: "The first chunk carries only the role, and the last only the finish reason.",
            3: "The length of an answer is not known in advance.",
        },
    ),
    ShortAnswer(
        "Why does the lesson bound its fan-out with an asyncio.Semaphore instead of just raising "
        "the pool timeout?",
        keywords=[r"(wait|queue)", r"(concurren|in flight|limit|rate|how many|at once|connections)"],
        model_answer="With a semaphore, extra requests wait in your own queue where no pool timeout "
                     "runs, and the code states on purpose how many calls are in flight at once, "
                     "which is also what provider rate limits need.",
        nudge="Think about where the extra requests wait, and what the semaphore's number says.",
    ),
    MultipleChoice(
        "A streamed answer takes 30 s, with a token every 50 ms, through an httpx client with "
        "`httpx.Timeout(5.0)`. What happens at 5 s?",
        ["httpx.ReadTimeout: the read took longer than 5 s",
         "Nothing: the read timeout bounds each wait for the next chunk, and none is longer than "
         "5 s; for a deadline on the whole answer, use asyncio.timeout",
         "httpx cancels the stream because of its total timeout"],
        answer=1,
        explanation="httpx's timeouts are per operation: connect, each read, each write, each pool "
                    "wait. There is no total timeout. The lesson's stream outlived its read "
                    "timeout, and asyncio.timeout stopped the same stream on time.",
        wrong_feedback={0: "In the lesson, the whole answer took longer than the read timeout: "
                           "did it raise?",
                        2: "Look for a 'total' field in httpx.Timeout: is there one?"},
    ),
]
