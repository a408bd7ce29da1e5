# MUTATION: hedges correctly but returns without cancelling the calls still running
# EXPECT: not cancelled
# EXPECT: Cancel them in a `finally:` block
async def first_good_answer(llms, prompt, is_good=accept_any, *, stagger=0.0):
    waiting = list(llms)
    pending, errors = set(), []
    while waiting or pending:
        if waiting:
            pending.add(asyncio.create_task(waiting.pop(0).complete(prompt)))
        done, pending = await asyncio.wait(pending, timeout=stagger if waiting else None,
                                           return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            if task.exception() is not None:
                errors.append(task.exception())
            elif is_good(task.result()):
                return task.result()
    raise NoGoodAnswer(errors)
