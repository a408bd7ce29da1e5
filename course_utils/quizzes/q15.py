"""Quiz for lesson 15 (async pitfalls)."""

from course_utils.quizzes import MultipleChoice, ShortAnswer

QUESTIONS = [
    MultipleChoice(
        "`total = await store.get(); answer = await llm.complete(q); await store.set(total + "
        "answer.total_tokens)` runs in ten concurrent agents. Why is the final total too low, "
        "although asyncio runs one task at a time?",
        ["asyncio secretly runs tasks in parallel threads",
         "Each await lets other agents run between the read and the write, so several writes "
         "start from the same stale total",
         "Python integers are not thread-safe",
         "store.set is called before store.get finishes"],
        answer=1,
        explanation="Code between two awaits runs alone; across an await, anything can happen. "
                    "Keep the read and the write together (under an asyncio.Lock if an await "
                    "sits between them), or use an atomic increment.",
        wrong_feedback={
            0: "There is one thread here. Where could another agent slip in?",
            2: "No threads are involved; think about what happens at each await.",
            3: "Each agent awaits its own get before its set; look at what the others do meanwhile.",
        },
    ),
    MultipleChoice(
        "A background task raised an exception and nobody awaited it. When do you hear about it?",
        ["Immediately, as a traceback in the cell",
         "Never: the exception is silently dropped",
         "Only when the task object is garbage-collected, as 'Task exception was never "
         "retrieved' from the loop's exception handler",
         "At the next await anywhere in the program"],
        answer=2,
        explanation="The task keeps the exception for whoever awaits it; if nobody does, the "
                    "loop can only report it when the task is destroyed, which may be late or "
                    "never (if something still references it). Give every task an owner.",
        wrong_feedback={
            0: "Who would raise it into the cell? Nobody is awaiting the task.",
            1: "It is not silent forever: the lesson captured a report. When did it arrive?",
            3: "Exceptions in tasks do not jump into unrelated awaits.",
        },
    ),
    MultipleChoice(
        "A sync helper calls `asyncio.run(main())` each time it is used, and `main()` uses a "
        "module-level `asyncio.Semaphore`. The second call fails with 'is bound to a different "
        "event loop'. What is the fix?",
        ["Create a new event loop with asyncio.new_event_loop() for each call",
         "Call asyncio.run once for the program, and create locks, semaphores, queues and "
         "clients inside it",
         "Use a threading.Semaphore instead",
         "Add await asyncio.sleep(0) before using the semaphore"],
        answer=1,
        explanation="An asyncio primitive belongs to the loop it first waited on; every "
                    "asyncio.run makes a new loop. One loop per program (or one per thread, "
                    "reached with run_coroutine_threadsafe), objects created inside it.",
        wrong_feedback={
            0: "A new loop per call is exactly what binds the semaphore to the wrong loop.",
            2: "A threading semaphore would block the whole loop while it waits.",
            3: "Yielding does not change which loop the semaphore belongs to.",
        },
    ),
    ShortAnswer(
        "Fifty calls are gathered at once against a provider with a burst of 10. Most come back "
        "as 429. Name two things the fixed version does.",
        keywords=[r"(limit|pace|rate|bucket|semaphore|bound|aiolimiter|slot)",
                  r"(retry.?after|wait|back.?off|retr)"],
        model_answer="It paces the calls on the client side a little under the provider's rate "
                     "(a limiter such as aiolimiter or a token bucket), and when a 429 still "
                     "comes back it waits as long as retry_after says, outside the limiter, "
                     "before trying again.",
        nudge="One thing happens before each call, one after a 429.",
    ),
]
