# MUTATION: sends the questions in batches of `limit` (gather per batch)
# EXPECT: batch by batch
async def ask_many(client, questions, limit, *, timeout=None):
    async def ask(question):
        body = {"model": settings().model, "messages": [{"role": "user", "content": question}]}
        try:
            async with asyncio.timeout(timeout):
                response = await client.post("/chat/completions", json=body)
        except TimeoutError:
            return None
        response.raise_for_status()
        return response.json()["choices"][0]["message"]["content"]

    answers = []
    for i in range(0, len(questions), limit):
        answers += await asyncio.gather(*(ask(q) for q in questions[i:i + limit]))
    return answers
