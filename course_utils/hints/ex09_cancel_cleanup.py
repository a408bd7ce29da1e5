"""Hints for ex09_cancel_cleanup, from a nudge to near-code; shown one at a time by hint("ex09_cancel_cleanup").

Read with ast, never imported. Only the last tier may come close to the answer."""

HINTS = [
    "Since Python 3.8, asyncio.CancelledError is a BaseException, not an Exception. Which "
    "`except` clause in the colleague's code catches it, and what happens to the cancellation "
    "there?",
    "Catch only what you can handle (LLMError); let everything else through. Code that must run "
    "whatever happens belongs in a `finally:` block -- it runs on return, on error and on "
    "cancellation, and it may await.",
    "await session.open(); then try: answer = await llm.complete(prompt) / except LLMError as "
    "error: session.log(...); return None / finally: await session.close(); and after the try "
    "statement return answer.text",
]
