# MUTATION: reads the whole answer, then cuts the first sentence out of it
# EXPECT: Stop reading as soon as the sentence is complete
async def first_sentence(llm, prompt):
    async with aclosing(llm.stream(prompt)) as stream:
        tokens = [token async for token in stream]
    for i, token in enumerate(tokens):
        if token.strip() in SENTENCE_ENDS:
            return "".join(tokens[:i + 1]).strip()
    return "".join(tokens).strip()
