"""Quiz for lesson 18 (background tasks and webhooks)."""

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
        "Workers of a service run in one `asyncio.TaskGroup`. One event's LLM call raises a "
        "BadRequestError that the worker does not catch. What happens?",
        ["Only that worker stops; the others go on",
         "The TaskGroup cancels every other task in it: the whole service stops",
         "The error is logged and the event is retried automatically"],
        answer=1,
        explanation="A TaskGroup treats a failed task as fatal for the group and cancels the "
                    "rest. Catch the errors one event can cause inside the worker, record them, "
                    "and take the next event.",
        wrong_feedback={0: "What does a TaskGroup do with its other tasks when one fails?",
                        2: "Nothing retries it unless your code does."},
    ),
    ShortAnswer(
        "Webhook senders deliver at least once. What must your endpoint do about it, and what "
        "should it answer for a repeated event?",
        keywords=[r"(id|dedup|duplicate|seen|idempot|once)",
                  r"(2\d\d|2xx|ok\b|success|accept|ack)"],
        model_answer="Dedupe by the event id (a set, or a store with an expiry such as Redis "
                     "SET NX EX) so each event is processed once, and still answer a duplicate "
                     "with a 2xx so the sender stops retrying.",
        nudge="What identifies an event across retries, and what makes a sender stop retrying?",
    ),
]
