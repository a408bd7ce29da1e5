"""Hints for ex20_stream_endpoint, from a nudge to near-code; shown one at a time by hint("ex20_stream_endpoint").

Read with ast, never imported. Only the last tier may come close to the answer."""

HINTS = [
    "Get the iterator with `tokens = answer(body.question)` and pull the first token yourself with "
    "`await anext(tokens)` inside try/except LLMError, before building any response.",
    "On LLMError: count a failure and `raise HTTPException(status_code=error.status_code, "
    "detail=str(error))`. Otherwise return StreamingResponse(rest(), media_type='text/plain') where "
    "rest() is an async generator that yields the first token, then every remaining one.",
    "async def rest(): yield first; async for token in tokens: yield token; counts['answered'] += 1 "
    "-- the counter goes after the loop, so it counts only answers streamed to the end.",
]
