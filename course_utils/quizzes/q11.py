"""Quiz for lesson 11 (queues, worker pools, backpressure, pipelines, shutdown)."""

from course_utils.quizzes import MultipleChoice, ShortAnswer

QUESTIONS = [
    MultipleChoice(
        "A pool has 4 worker tasks reading from one asyncio.Queue. 100 requests are submitted at "
        "once. How many model calls are in flight at the same time?",
        ["100", "At most 4", "1, because a queue hands out one item at a time"],
        answer=1,
        explanation="Each worker handles one job at a time, so concurrency equals the number of "
                    "workers however many jobs are queued.",
        wrong_feedback={0: "The requests are waiting in the queue, not running. Who takes them "
                           "out, and how many at a time?",
                        2: "The queue hands out items one at a time, but a worker that took one "
                           "does not stop the others from taking theirs."},
    ),
    MultipleChoice(
        "A crawler puts documents on `asyncio.Queue(maxsize=3)`; two slow summarizers take them "
        "off. What does the crawler do when the queue holds 3 documents?",
        ["put() raises QueueFull and the document is lost",
         "await put() waits until a summarizer takes an item",
         "put() succeeds and the queue grows past 3"],
        answer=1,
        explanation="await queue.put() suspends the producer while the queue is full: that "
                    "is backpressure. Only put_nowait() raises QueueFull.",
        wrong_feedback={0: "That is what one of the non-waiting methods does. Which method did "
                           "the crawler await?",
                        2: "Then maxsize would mean nothing. Look at the peak depth the lesson "
                           "measured for the bounded queue."},
    ),
    MultipleChoice(
        "A pool's close() calls `await queue.join()` and returns. What is left behind?",
        ["Nothing: join() stops the workers",
         "The worker tasks, still waiting in queue.get() for a job that never comes",
         "The queue's unfinished items"],
        answer=1,
        explanation="join() only waits until every item is marked task_done(); the workers loop "
                    "forever unless you cancel them (and await them) or send sentinels.",
        wrong_feedback={0: "join() waits for the items, not for the tasks. What were the "
                           "sloppy pool's workers doing after join() returned?",
                        2: "join() returning means every item was marked done. What about the "
                           "tasks that processed them?"},
    ),
    ShortAnswer(
        "In a three-stage pipeline (validate -> summarize -> analyze) connected by queues, why "
        "does the whole run take well under the sum of the three stages' times?",
        keywords=[r"(overlap|same time|concurrent|simultaneous|parallel|while)",
                  r"(stage|item|ticket|different)"],
        model_answer="Because the stages work at the same time on different items: while one "
                     "ticket is being analyzed, the next is being summarized and a third "
                     "validated, so the stages overlap instead of running one after another.",
        nudge="Picture the timeline: when did the first analysis start compared with the last "
              "summary? What is each stage doing while the others work?",
    ),
    MultipleChoice(
        "Each pipeline stage is started with a plain `asyncio.create_task`, and the caller loops "
        "until the last stage's sentinel arrives. The summarize stage's model call raises. What "
        "happens?",
        ["The caller gets the ServerError at once",
         "The caller waits forever: the dead stage never sends its sentinels, and nobody awaits "
         "its task to see the error",
         "asyncio restarts the failed stage"],
        answer=1,
        explanation="A task's exception only surfaces where the task is awaited. The stage died "
                    "before putting its sentinels, so the next stages and the caller wait on "
                    "their queues forever. Running every stage in one TaskGroup cancels the rest "
                    "and raises the error at once.",
        wrong_feedback={0: "Who awaits the stage task? The lesson needed a timeout to end that "
                           "cell at all.",
                        2: "asyncio never restarts tasks; what did the lesson find in the stage "
                           "tasks after the timeout?"},
    ),
]
