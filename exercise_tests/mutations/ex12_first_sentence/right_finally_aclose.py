# A return from inside the loop, and aclose() in a finally block.
async def first_sentence(llm, prompt):
    stream = llm.stream(prompt)
    text = ""
    try:
        async for token in stream:
            text += token
            if token.strip() in (".", "!", "?"):
                return text.strip()
    finally:
        await stream.aclose()
    return text.strip()
