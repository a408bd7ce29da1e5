"""Quiz for lesson 12 (pitfalls and debugging)."""

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
        explanation="The task stores the exception for whoever awaits it; if nobody does, the "
                    "loop can only report it when the task is destroyed, which may be late or never "
                    "(e.g. if something still references it).",
        wrong_feedback={
            0: "Who would raise it into the cell? Nobody is awaiting the task.",
            1: "It is not silent forever: the lesson captured a report. When did it arrive?",
            3: "Exceptions in tasks do not jump into unrelated awaits.",
        },
    ),
    MultipleChoice(
        "Thirty users ask the same question at the same moment, and your cache is a dict filled "
        "after `await llm.complete(...)`. How many LLM calls are made?",
        ["1", "30: every caller misses, because nothing is stored until the first call finishes",
         "15", "0"],
        answer=1,
        explanation="This is the cache stampede; caching the in-flight task (and letting later "
                    "callers await it) turns 30 calls into 1.",
        wrong_feedback={
            0: "That is what you want, but when does the dict get its value?",
            2: "Think about when each caller checks the dict, relative to the first call finishing.",
            3: "The first caller certainly calls the model.",
        },
    ),
    ShortAnswer(
        "Name two things asyncio's debug mode reports that normal mode does not.",
        keywords=[r"(slow|took|block|callback|slow_callback_duration|long)",
                  r"(created at|where|origin|traceback|thread|never awaited|unawaited|non-thread-safe)"],
        model_answer="Callbacks or task steps that hold the loop longer than slow_callback_duration "
                     "('Executing <Task ...> took 0.3 seconds'), where a never-awaited coroutine was "
                     "created, and non-thread-safe calls into the loop from other threads.",
        nudge="Think of the two log messages the lesson captured in section 8.",
    ),
]
