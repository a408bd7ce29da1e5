# MUTATION: breaks out of the loop but never closes the stream
# EXPECT: never closed
async def first_sentence(llm, prompt):
    tokens = []
    async for token in llm.stream(prompt):
        tokens.append(token)
        if token.strip() in SENTENCE_ENDS:
            break
    return "".join(tokens).strip()
