"""Quiz for lesson 23 (agent hand-offs over bounded queues, wait_for_connections, agent pools)."""

from course_utils.quizzes import MultipleChoice

QUESTIONS = [
    MultipleChoice(
        "`a >> b` starts `asyncio.create_task(b.send(answer))` for each answer and keeps no reference. "
        "What goes wrong?",
        ["Nothing: the tasks run and finish on their own",
         "Nobody can wait for b's work, stop it, or see its errors (they are only logged, late)",
         "b runs one answer at a time"],
        answer=1,
        explanation="A hand-off needs an owner: keep the task (or a queue and one forwarding task) so "
                    "someone can wait for it, cancel it and receive its exceptions.",
        wrong_feedback={0: "They may run, but what did the lesson's first assert see right after the "
                           "sends?",
                        2: "Each answer gets its own task, so they even overlap. What is missing is "
                           "someone who waits for them."},
    ),
    MultipleChoice(
        "The connection's queue has maxsize=1 and the analyst is slower than the summarizer. What "
        "happens to the summarizer?",
        ["Its send() waits in queue.put() until the analyst takes an answer",
         "Answers that do not fit are dropped",
         "The queue grows anyway"],
        answer=0,
        explanation="That is backpressure: the producer is slowed to the consumer's pace instead of "
                    "piling up work in memory.",
        wrong_feedback={1: "await put() never drops anything; only put_nowait() raises QueueFull.",
                        2: "maxsize is a hard bound for put(). What does put() do when it is reached?"},
    ),
    MultipleChoice(
        "`wait_for_connections()` runs under `asyncio.timeout(2)` and a downstream agent hangs. "
        "What should happen after the 2 seconds?",
        ["TimeoutError, and the forwarding tasks keep running in the background",
         "TimeoutError, and wait_for_connections has cancelled the forwarding tasks on its way out",
         "The hanging agent's answer is skipped and waiting continues"],
        answer=1,
        explanation="The timeout cancels the waiter; catching CancelledError there to cancel (and "
                    "await) the hand-off tasks before re-raising means nothing is left running.",
        wrong_feedback={0: "That is the leak the lesson checked for with asyncio.all_tasks().",
                        2: "A timeout cancels the waiting task; nothing skips ahead by itself."},
    ),
    MultipleChoice(
        "In a pool, a request takes an agent with `await idle.get()` and puts it back after its "
        "work, without try/finally. Two requests fail. With 3 agents, how many are left?",
        ["3", "1", "0"],
        answer=1,
        explanation="Each failed request skips the put back and loses its agent. Give it back in "
                    "`finally`, inside an `async with`.",
        wrong_feedback={0: "What happens to the line after the failing await when it raises?",
                        2: "Only the requests that failed lost their agent."},
    ),
]
