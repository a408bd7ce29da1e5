"""Hints for ex12_stream_deadline, from a nudge to near-code; shown one at a time by hint("ex12_stream_deadline").

Read with ast, never imported. Only the last tier may come close to the answer."""

HINTS = [
    "Two things at once: a time limit around the `async for`, and a guarantee that the stream is "
    "closed however the loop ends. asyncio has a context manager for the first (lesson 09), "
    "contextlib one for the second (lesson 12).",
    "Put `async with asyncio.timeout(seconds):` around the `async for`, inside "
    "`async with aclosing(llm.stream(prompt)) as stream:`. A timeout raises TimeoutError at the "
    "end of the timeout block: catch it, and keep the tokens you collected before it.",
    "tokens = []; complete = False; async with aclosing(llm.stream(prompt)) as stream: try: async "
    "with asyncio.timeout(seconds): async for t in stream: tokens.append(t) -- then "
    "complete = True; except TimeoutError: pass -- finally return \"\".join(tokens).strip(), complete",
]
