"""Quiz for lesson 12 (streaming tokens)."""

from course_utils.quizzes import MultipleChoice, ShortAnswer

QUESTIONS = [
    MultipleChoice(
        "A model's time to first token is 0.8 s and it then writes 60 tokens at 0.03 s each. "
        "Compared with complete(), what does streaming the answer change?",
        ["The whole answer arrives about 3x sooner",
         "The first words appear about 3x sooner; the whole answer takes about as long",
         "The provider bills fewer tokens",
         "Nothing: the user waits 2.6 s either way"],
        answer=1,
        explanation="The model writes at the same speed either way (0.8 + 60 x 0.03 = 2.6 s); "
                    "streaming only lets the user start reading at 0.8 s.",
        wrong_feedback={
            0: "Does streaming make the model generate tokens any faster?",
            2: "The same tokens are generated and billed; only their delivery changes.",
            3: "The total is the same, but is that what the user experiences while waiting?",
        },
    ),
    MultipleChoice(
        "You leave `async for token in agen:` with `break` after the first sentence and keep "
        "`agen` in a variable. When does the generator's `finally` block run?",
        ["Immediately, at the break",
         "Never: async generators ignore finally",
         "When the next token arrives",
         "When you call `await agen.aclose()` (or, later and unpredictably, when it is "
         "garbage-collected)"],
        answer=3,
        explanation="break only stops asking for items; the generator stays suspended at its yield "
                    "until aclose() throws GeneratorExit into it. contextlib.aclosing does that "
                    "for you when the block ends.",
        wrong_feedback={
            0: "Look at what the lesson printed right after the break: was anything released?",
            1: "finally does run: the question is what makes the suspended generator resume.",
            2: "After a break, nobody calls __anext__ any more, so no token is ever requested.",
        },
    ),
    MultipleChoice(
        "A task reads a stream with `async for token in agen:` and, after each token, awaits "
        "`websocket.send(token)`. You call `task.cancel()` while it is in that send. When does "
        "the generator's `finally` run?",
        ["At once: CancelledError always travels through the generator",
         "Not yet: the generator is paused at its yield, outside the cancelled await; it runs "
         "when someone calls `aclose()` (an `aclosing` block does) or the garbage collector "
         "finds it",
         "Never: a cancelled task's generators are discarded without cleanup"],
        answer=1,
        explanation="CancelledError is raised at the await the task is suspended on. Only when that "
                    "await is inside the generator does the error unwind through the "
                    "generator's finally; paused at yield, the generator needs aclose().",
        wrong_feedback={
            0: "Where was the task suspended when the cancel arrived: inside the generator, or in "
               "its own send? The lesson ran both cases.",
            2: "The finally does run eventually: what did the lesson call to make it run?",
        },
    ),
    ShortAnswer(
        "A stream to a user is cut after 30 tokens and your code retries. Why should the retried "
        "tokens not simply be appended after the 30 already on screen?",
        keywords=[r"(scratch|beginning|start|over|whole|full|entire|new answer|different answer)",
                  r"(twice|duplicat|repeat|differ|nonsense|incoheren|mismatch|garbl|mix|splice)"],
        model_answer="The retry generates the answer again from the beginning, so appending it "
                     "repeats the start (or, with a real model that writes a different answer, "
                     "splices two answers into nonsense). Restart the view and show the new "
                     "answer in full; log the partial text instead.",
        nudge="Think about where a retried request starts writing, and what the user would read.",
    ),
]
