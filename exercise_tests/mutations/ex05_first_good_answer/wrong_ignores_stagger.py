# MUTATION: asks every model at once (the race from the lesson), ignoring stagger
# EXPECT: stagger
async def first_good_answer(llms, prompt, is_good=accept_any, *, stagger=0.0):
    tasks = [asyncio.create_task(llm.complete(prompt)) for llm in llms]
    errors = []
    try:
        for next_done in asyncio.as_completed(tasks):
            try:
                answer = await next_done
            except Exception as error:
                errors.append(error)
                continue
            if is_good(answer):
                return answer
        raise NoGoodAnswer(errors)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
