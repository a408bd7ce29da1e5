# A deadline on the loop clock, and wait_for on each token with the time that is left.
async def stream_with_deadline(llm, prompt, seconds):
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    tokens = []
    stream = llm.stream(prompt)
    try:
        while True:
            left = deadline - loop.time()
            if left <= 0:
                return "".join(tokens).strip(), False
            try:
                tokens.append(await asyncio.wait_for(anext(stream), left))
            except StopAsyncIteration:
                return "".join(tokens).strip(), True
            except TimeoutError:
                return "".join(tokens).strip(), False
    finally:
        await stream.aclose()
