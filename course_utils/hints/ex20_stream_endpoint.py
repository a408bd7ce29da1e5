"""Hints for ex20_stream_endpoint, from a nudge to near-code; shown one at a time by hint("ex20_stream_endpoint").

Read with ast, never imported. Only the last tier may come close to the answer."""

HINTS = [
    "Get the generator with `tokens = answer(body.question)` and pull the first token yourself with "
    "`await anext(tokens)` inside try/except LLMError, before building any response.",
    "On LLMError: count a failure, close the generator, and `raise HTTPException(status_code="
    "error.status_code, detail=str(error))`. Otherwise return StreamingResponse(rest(), "
    "media_type='text/plain'), where rest() is an async generator that yields the first token, "
    "then every remaining one. Count the answer at the end of rest(), not before returning.",
    "async def rest(): try: yield first; async for token in tokens: yield token / except LLMError: "
    "counts['failed'] += 1; raise / else: counts['answered'] += 1 / finally: await tokens.aclose() "
    "-- `else` runs only when the loop ended normally; a disconnect's CancelledError skips both.",
]
