# MUTATION: sleeps for the whole timeout, then looks at the tasks
# EXPECT: Return as soon as everything has finished
async def run_and_report(jobs, timeout):
    tasks = {name: asyncio.create_task(coro, name=name) for name, coro in jobs.items()}
    await asyncio.sleep(timeout)
    for task in tasks.values():
        task.cancel()
    await asyncio.gather(*tasks.values(), return_exceptions=True)
    report = {}
    for name, task in tasks.items():
        if task.cancelled():
            report[name] = "cancelled"
        elif task.exception() is not None:
            report[name] = f"failed: {type(task.exception()).__name__}: {task.exception()}"
        else:
            report[name] = f"done: {task.result()!r}"
    return report
