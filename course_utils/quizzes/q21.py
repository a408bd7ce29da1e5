"""Quiz for lesson 21 (streamed tool calls, stopping a turn, structured output with a bounded retry)."""

from course_utils.quizzes import MultipleChoice, ShortAnswer

QUESTIONS = [
    MultipleChoice(
        "A streamed reply holds two tool calls. When are the first call's arguments complete?",
        ["As soon as its first piece (with the id and name) arrives",
         "When a piece of the next call (index 1) arrives, or finish_reason says \"tool_calls\"",
         "Only after the [DONE] line"],
        answer=1,
        explanation="The API streams one call after the other: pieces of index 0, then of index 1. "
                    "A new index means the previous call's JSON is whole, so its tool can start.",
        wrong_feedback={0: "The first piece carries `arguments: \"\"`; the JSON follows in fragments.",
                        2: "That works, but wastes the time the model spends writing the later calls."},
    ),
    MultipleChoice(
        "The user presses stop: the task running `stream_turn` is cancelled while it reads the "
        "stream, and one tool is already running. What makes the cleanup happen?",
        ["Nothing: the stream and the tool keep going until they finish",
         "`async with stream` closes the connection, and the TaskGroup cancels the started tool "
         "and waits for it before the CancelledError leaves the function",
         "The garbage collector closes the stream later"],
        answer=1,
        explanation="The CancelledError arrives at the await inside `async for`; each `async with` "
                    "on the way out does its cleanup: the stream's closes the HTTP response, the "
                    "TaskGroup's cancels and awaits its tasks.",
        wrong_feedback={0: "Cancellation raises CancelledError at the await; what do the `async with` "
                           "blocks do when an exception passes through them?",
                        2: "Relying on garbage collection leaks the connection for an unknown time."},
    ),
    MultipleChoice(
        "`parse(response_format=Report)` raises `pydantic.ValidationError`. What is a sound reaction?",
        ["Retry the same request forever until it validates",
         "Send the error back to the model and ask again, at most a few times; then give up with the error",
         "Parse the reply's text with a regular expression instead"],
        answer=1,
        explanation="The model can often fix what it is told is wrong, but nothing guarantees it: "
                    "a bounded retry with the error as feedback, then a clear failure.",
        wrong_feedback={0: "An unbounded retry can loop (and bill) forever.",
                        2: "That brings back every problem structured output removes."},
    ),
    MultipleChoice(
        "Inside the retry loop the request fails with `openai.APITimeoutError`. What should the "
        "validation retry do?",
        ["Count it as a failed attempt and ask again",
         "Let it through: it is not a validation problem (the SDK has its own retries for it)",
         "Return None"],
        answer=1,
        explanation="Catch only `ValidationError`: feeding a timeout back to the model as "
                    "\"your answer was invalid\" makes no sense, and hiding it hides an outage.",
        wrong_feedback={0: "What would you tell the model was wrong with its answer?",
                        2: "The caller then cannot tell a failure from an empty result."},
    ),
    ShortAnswer(
        "Why does structured output beat parsing the model's prose when a program reads the answer?",
        keywords=[r"(schema|typed|type|pydantic|json|validat)", r"(format|vary|varies|regex|fragile|break|wrong|silent|different)"],
        model_answer="The model must answer in a JSON schema you gave, and the SDK validates it into "
                     "a typed object or raises; prose varies in format, so a regex breaks or, worse, "
                     "silently picks a wrong value.",
        nudge="What does a regular expression do with '12 °C', 'twelve degrees' and '12C'?",
    ),
]
