"""Hints for ex12_first_sentence, from a nudge to near-code; shown one at a time by hint("ex12_first_sentence").

Read with ast, never imported. Only the last tier may come close to the answer."""

HINTS = [
    "An `async for` over the stream collects tokens; stop at the first one whose .strip() is one "
    "of SENTENCE_ENDS. The part people forget: leaving the loop early does not close the stream.",
    "Wrap the stream in `async with aclosing(llm.stream(prompt)) as stream:` and `break` out of the "
    "`async for` when the sentence ends; aclosing calls `aclose()` when the block ends, however it "
    "ends. Join the tokens with \"\" and strip the result.",
    "tokens = []; async with aclosing(llm.stream(prompt)) as stream: async for token in stream: "
    "tokens.append(token); if token.strip() in SENTENCE_ENDS: break -- then return "
    "\"\".join(tokens).strip()",
]
