"""Quiz for lesson 10 (backoff and jitter, tenacity, nested timeouts, fallbacks)."""

from course_utils.quizzes import MultipleChoice, ShortAnswer

QUESTIONS = [
    MultipleChoice(
        "Thirty clients hit a 503 at the same moment and all retry with backoff "
        "min(cap, base * 2**attempt), without jitter. What goes wrong?",
        ["Nothing: exponential backoff alone spreads the retries",
         "They all retry at the same instants, in waves that overload the server again",
         "The waits grow too slowly to help"],
        answer=1,
        explanation="Without randomness, clients that failed together retry together. Full "
                    "jitter (a random wait between 0 and the bound) spreads them out.",
        wrong_feedback={0: "Compare the middle and bottom timelines in the lesson: when did the "
                           "retries happen?",
                        2: "The bound doubles every attempt; the problem is not the size of the "
                           "wait but that everyone picks the same one."},
    ),
    MultipleChoice(
        "A retry loop gives each attempt `asyncio.timeout(1)` and the user allows 3 seconds in "
        "total. How should the two deadlines be arranged?",
        ["Only the per-attempt timeout: it already bounds every call",
         "Only the overall timeout: one deadline is simpler",
         "Both, nested: the per-attempt timeout inside the loop, the overall one around the loop"],
        answer=2,
        explanation="The per-attempt timeout stops one hung call from eating the budget; the "
                    "overall one stops the attempts from adding up past the user's deadline. "
                    "Production code nests them.",
        wrong_feedback={0: "Four hung attempts, each cut on time: did the lesson's 'per attempt "
                           "only' run finish within the user's budget?",
                        1: "In the lesson's 'overall only' run, did the second attempt ever get "
                           "its chance?"},
    ),
    MultipleChoice(
        "Inside the overall `asyncio.timeout(2.5)`, the retry loop has `except TimeoutError:` "
        "around each attempt's `asyncio.timeout(1)`. The overall deadline passes mid-attempt. "
        "What does the loop's `except TimeoutError` see?",
        ["Nothing: the CancelledError passes through the inner block and the outer block raises "
         "TimeoutError",
         "A TimeoutError, so the loop retries and the overall deadline is lost",
         "A RuntimeError about nested timeouts"],
        answer=0,
        explanation="Each asyncio.timeout converts only its own cancellation. The outer one "
                    "cancels the task; the inner block lets that CancelledError through, so the "
                    "retry loop cannot catch it, and the outer block raises TimeoutError.",
        wrong_feedback={1: "Which block asked for the cancellation, and which block turns a "
                           "cancellation into TimeoutError?",
                        2: "Nesting asyncio.timeout blocks is allowed; the lesson's 'nested, all "
                           "hang' run did exactly that."},
    ),
    ShortAnswer(
        "A fallback ladder catches `except Exception:` around each model call. Why is that worse "
        "than catching `LLMError` and `TimeoutError`?",
        keywords=[r"(bug|typo|mistake|own code|programming|attributeerror|typeerror|hide|mask|silent)",
                  r"(cache|fallback|stale|degrad|serve|swallow|hid|mask|never see|surface)"],
        model_answer="It also catches bugs in your own code (a TypeError, a typo), which are "
                     "then hidden behind a fallback or a stale cached answer instead of crashing "
                     "loudly where you would notice and fix them.",
        nudge="Which exceptions besides a provider's failure would `Exception` catch?",
    ),
]
