"""Quiz for lesson 14 (background tasks and event-driven agents)."""

from course_utils.quizzes import MultipleChoice, ShortAnswer

QUESTIONS = [
    MultipleChoice(
        "You call `refresher.cancel()` on a running background task. On the very next line...",
        ["the task is finished and its finally block has run",
         "the task is still pending; its finally block runs once the loop steps it",
         "the task was killed at once, so its finally block never runs"],
        answer=1,
        explanation="cancel() only schedules a CancelledError for the task's next step; await the "
                    "task to let its cleanup run.",
        wrong_feedback={0: "Has the task had a chance to run since you called cancel()? Only the "
                           "loop can step it.",
                        2: "CancelledError is an exception thrown into the task, so try/finally "
                           "works as usual; when does it get thrown?"},
    ),
    MultipleChoice(
        "A webhook handler awaits a 3-second LLM call before returning. What is the main risk?",
        ["None: the event loop serves other requests meanwhile",
         "The sender times out and retries, so the same event is processed twice",
         "FastAPI refuses async handlers that take longer than a second"],
        answer=1,
        explanation="Webhook senders wait only a few seconds and retry on timeout. Acknowledge "
                    "with 202 at once and do the work from a queue.",
        wrong_feedback={0: "The loop is fine; think about the *sender*, who is waiting for your "
                           "answer with a timeout.",
                        2: "FastAPI has no such limit; the problem is on the other end of the "
                           "connection."},
    ),
    MultipleChoice(
        "Your service gets SIGTERM from Kubernetes and has no signal handler. What happens?",
        ["asyncio.run cancels every task and runs their finally blocks",
         "The process ends at once: no finally blocks, no drain, no summary",
         "Python raises KeyboardInterrupt in the main task"],
        answer=1,
        explanation="SIGTERM's default action ends the process immediately. Install a handler "
                    "(loop.add_signal_handler) that sets your shutdown event.",
        wrong_feedback={0: "asyncio.run installs a handler for SIGINT only. What is SIGTERM's "
                           "default action?",
                        2: "That is what happens for SIGINT (Ctrl-C). Which signal is this?"},
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
]
