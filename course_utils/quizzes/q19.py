"""Quiz for lesson 19 (clean shutdown)."""

from course_utils.quizzes import MultipleChoice, ShortAnswer

QUESTIONS = [
    MultipleChoice(
        "Your Python service runs as PID 1 in a container, with no signal handler. The platform "
        "sends SIGTERM. What happens?",
        ["The process ends at once: no finally blocks, no drain",
         "Nothing: the kernel does not deliver a signal with default action to PID 1, so the "
         "service keeps running until the SIGKILL after the grace period",
         "asyncio.run cancels every task and runs their finally blocks",
         "Python raises KeyboardInterrupt in the main task"],
        answer=1,
        explanation="PID 1 of a PID namespace only receives signals it has a handler for "
                    "(SIGKILL/SIGSTOP from outside aside). Install a handler with "
                    "loop.add_signal_handler, or run an init (docker run --init, tini) as PID 1.",
        wrong_feedback={0: "That is what happens to an ordinary process. Is PID 1 ordinary?",
                        2: "asyncio.run installs a handler for SIGINT only.",
                        3: "That is SIGINT's behaviour in Python. Which signal is this?"},
    ),
    ShortAnswer(
        "On shutdown, why stop the sources before awaiting `queue.join()`, and why cancel the "
        "workers only after it?",
        keywords=[r"(new|more|keep|intake|arriv|never (finish|empty)|accept)",
                  r"(lost|lose|finish|half|mid|drain|in.?flight|answer)"],
        model_answer="If sources keep adding events, the queue may never drain; so stop intake "
                     "first. Cancelling workers before the queue is drained would drop accepted "
                     "or half-processed events; after join() they are idle and safe to cancel.",
        nudge="Think about what happens to queue.join() if events keep arriving, and what a "
              "worker is doing when you cancel it.",
    ),
    MultipleChoice(
        "One accepted event hangs forever (a call without a timeout). What does a drain with a "
        "deadline do that a plain `await queue.join()` does not?",
        ["Nothing: join() returns once the queue is empty, even with a task in progress",
         "It stops waiting at the deadline, cancels the workers and reports the abandoned "
         "event, before the platform's SIGKILL would end everything",
         "It retries the stuck event until it succeeds"],
        answer=1,
        explanation="join() waits until task_done() was called for every item, so one stuck "
                    "event holds it forever. Bound it with asyncio.timeout, below the "
                    "platform's grace period, then release the workers and log what was left.",
        wrong_feedback={0: "join() waits for task_done() of every item, not for an empty queue.",
                        2: "A deadline bounds the wait; it does not retry anything."},
    ),
    MultipleChoice(
        "Where should a FastAPI app open the LLM client that every request shares?",
        ["Inside each endpoint, with async with, so it is always closed",
         "In the app's lifespan: open it before `yield`, close it after, once for the app",
         "At import time, as a module global that is never closed"],
        answer=1,
        explanation="lifespan runs once around the app's life: one client (one connection "
                    "pool) for all requests, closed after the last one at shutdown.",
        wrong_feedback={0: "That is correct but pays a new client, and new connections, per "
                           "request.",
                        2: "It is shared, but never closed, and created outside any event loop."},
    ),
]
