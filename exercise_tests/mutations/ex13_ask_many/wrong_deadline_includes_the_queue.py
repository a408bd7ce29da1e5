# MUTATION: the timeout wraps the semaphore too, so waiting for a slot eats the request's time
# EXPECT: waiting for a slot was counted
async def ask_many(client, questions, limit, *, timeout=None):
    slots = asyncio.Semaphore(limit)

    async def ask(question):
        body = {"model": settings().model, "messages": [{"role": "user", "content": question}]}
        try:
            async with asyncio.timeout(timeout):
                async with slots:
                    response = await client.post("/chat/completions", json=body)
        except TimeoutError:
            return None
        response.raise_for_status()
        return response.json()["choices"][0]["message"]["content"]

    return list(await asyncio.gather(*(ask(q) for q in questions)))
