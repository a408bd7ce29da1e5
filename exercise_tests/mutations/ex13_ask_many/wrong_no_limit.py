# MUTATION: no limit at all: every question is sent at once
# EXPECT: requests were in flight with limit
async def ask_many(client, questions, limit, *, timeout=None):
    async def ask(question):
        body = {"model": settings().model, "messages": [{"role": "user", "content": question}]}
        try:
            response = await asyncio.wait_for(client.post("/chat/completions", json=body), timeout)
        except TimeoutError:
            return None
        response.raise_for_status()
        return response.json()["choices"][0]["message"]["content"]

    return list(await asyncio.gather(*(ask(q) for q in questions)))
