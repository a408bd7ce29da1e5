# `limit` workers take question numbers from a queue; wait_for bounds each request.
async def ask_many(client, questions, limit, *, timeout=None):
    answers = [None] * len(questions)
    todo = asyncio.Queue()
    for i in range(len(questions)):
        todo.put_nowait(i)

    async def worker():
        while not todo.empty():
            i = todo.get_nowait()
            payload = {"model": settings().model, "messages": [{"role": "user", "content": questions[i]}]}
            try:
                response = await asyncio.wait_for(client.post("/chat/completions", json=payload), timeout)
            except TimeoutError:
                continue
            response.raise_for_status()
            answers[i] = response.json()["choices"][0]["message"]["content"]

    async with asyncio.TaskGroup() as tg:
        for _ in range(min(limit, len(questions))):
            tg.create_task(worker())
    return answers
