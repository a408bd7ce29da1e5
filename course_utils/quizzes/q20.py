"""Quiz for lesson 20 (the agent loop: tool calls, concurrent tools, error results, step budget)."""

from course_utils.quizzes import MultipleChoice, ShortAnswer

QUESTIONS = [
    MultipleChoice(
        "The model's reply has `finish_reason == \"tool_calls\"` and three entries in "
        "`message.tool_calls`. What does your agent send on its next request?",
        ["Only three `tool` messages, one per call",
         "The assistant message with its `tool_calls`, then one `tool` message per call, each "
         "carrying that call's `tool_call_id`",
         "One user message holding the three results as text"],
        answer=1,
        explanation="Every `tool` message must answer a call of the assistant message just before "
                    "it (by `tool_call_id`); the API refuses tool messages without that message, "
                    "and unanswered calls.",
        wrong_feedback={0: "Tool messages must follow the assistant message that asked for them.",
                        2: "Results go back as `tool` messages, so the model knows which call each answers."},
    ),
    MultipleChoice(
        "`run_tool` wraps each call in `try: ... except Exception as error:` and returns the error "
        "as text. The user stops the agent while a tool is running. What happens?",
        ["The CancelledError is caught and sent to the model as an error result",
         "The CancelledError passes through `except Exception` and the agent stops",
         "The tool keeps running until its own timeout"],
        answer=1,
        explanation="Since Python 3.8, `asyncio.CancelledError` is a `BaseException`, not an "
                    "`Exception`, so `except Exception` turns tool failures and timeouts into results "
                    "but lets cancellation through.",
        wrong_feedback={0: "Which class does CancelledError derive from (Python 3.8+)?",
                        2: "Cancelling the task raises CancelledError at the await inside the tool."},
    ),
    MultipleChoice(
        "One model turn asks for tools taking 0.4 s, 0.3 s and 0.1 s, each under its own 1 s "
        "timeout. How long does the tool phase of that turn take when run in a TaskGroup?",
        ["About 0.1 s", "About 0.4 s", "About 0.8 s", "About 1 s"],
        answer=1,
        explanation="The calls overlap, so the turn waits for its slowest tool; the timeout only "
                    "bounds that wait.",
        wrong_feedback={0: "The group waits for every task, not the first.",
                        2: "That is the sum: running them one after the other.",
                        3: "A timeout is a limit, not a duration."},
    ),
    ShortAnswer(
        "Concurrent tools made one turn's tool phase about 2x faster, but the whole conversation "
        "only about 1.6x. Why?",
        keywords=[r"(model|llm)", r"(sequen|depend|cannot overlap|one after|in turn|wait for|previous|result)"],
        model_answer="Each model turn needs the results of the previous tools (and the next tools "
                     "need the model's reply), so model turns stay sequential; that time does not "
                     "shrink and dilutes the gain.",
        nudge="Which waits in the loop could overlap, and which need the result of the step before?",
    ),
    MultipleChoice(
        "Why does the agent loop have a step budget (`max_steps`)?",
        ["The API refuses conversations longer than five turns",
         "A model can keep asking for tools; without a bound the loop (and its cost) never ends",
         "asyncio limits how many times a coroutine may loop"],
        answer=1,
        explanation="Nothing forces a model to stop calling tools; the loop must end on its own "
                    "terms, with a clear error the caller can handle.",
        wrong_feedback={0: "No such API limit exists; the context window is the only hard bound.",
                        2: "asyncio sets no such limit."},
    ),
]
