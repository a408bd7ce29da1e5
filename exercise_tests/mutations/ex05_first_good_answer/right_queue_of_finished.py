# Finished tasks arrive on a queue (done callbacks); asyncio.timeout bounds each wait.
async def first_good_answer(llms, prompt, is_good=accept_any, *, stagger=0.0):
    finished = asyncio.Queue()
    tasks, errors = [], []
    rest = list(llms)

    def start():
        task = asyncio.create_task(rest.pop(0).complete(prompt))
        task.add_done_callback(finished.put_nowait)
        tasks.append(task)

    try:
        running = 0
        if rest:
            start()
            running = 1
        while running:
            try:
                async with asyncio.timeout(stagger if rest else None):
                    task = await finished.get()
            except TimeoutError:
                start()
                running += 1
                continue
            running -= 1
            if task.exception() is not None:
                errors.append(task.exception())
            elif is_good(task.result()):
                return task.result()
            if rest:
                start()
                running += 1
        raise NoGoodAnswer(errors)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
