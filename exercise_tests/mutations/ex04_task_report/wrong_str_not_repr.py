# MUTATION: formats the result with str() instead of repr(), and leaves the tasks unnamed
# EXPECT: repr()
# EXPECT: Name each task
async def run_and_report(jobs, timeout):
    tasks = {name: asyncio.create_task(coro) for name, coro in jobs.items()}
    await asyncio.wait(tasks.values(), timeout=timeout)
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
            report[name] = f"done: {task.result()}"
    return report
