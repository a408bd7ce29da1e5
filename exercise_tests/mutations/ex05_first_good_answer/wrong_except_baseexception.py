# MUTATION: counts "anything that went wrong" with except BaseException, so the caller's
#           cancellation is treated as one more failed call
# EXPECT: CancelledError was caught
async def first_good_answer(llms, prompt, is_good=accept_any, *, stagger=0.0):
    waiting = list(llms)
    tasks, pending, errors = [], set(), []
    try:
        while waiting or pending:
            if waiting:
                task = asyncio.create_task(waiting.pop(0).complete(prompt))
                tasks.append(task)
                pending.add(task)
            try:
                done, pending = await asyncio.wait(pending, timeout=stagger if waiting else None,
                                                   return_when=asyncio.FIRST_COMPLETED)
            except BaseException as error:
                errors.append(error)
                break
            for task in done:
                if task.exception() is not None:
                    errors.append(task.exception())
                elif is_good(task.result()):
                    return task.result()
        raise NoGoodAnswer(errors)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
