# MUTATION: joins the tokens with spaces (tokens already carry their own spacing)
# EXPECT: Expected the first sentence
async def first_sentence(llm, prompt):
    tokens = []
    async with aclosing(llm.stream(prompt)) as stream:
        async for token in stream:
            tokens.append(token.strip())
            if token.strip() in SENTENCE_ENDS:
                break
    return " ".join(tokens).strip()
