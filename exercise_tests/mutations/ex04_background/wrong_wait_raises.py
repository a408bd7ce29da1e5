# MUTATION: wait() gathers the tasks without return_exceptions, so a failed task makes wait() raise
# EXPECT: wait() must return normally
class BackgroundTasks:
    def __init__(self):
        self._tasks = set()
        self.errors = []

    def spawn(self, coro, name=None):
        task = asyncio.create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._finished)
        return task

    def _finished(self, task):
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            self.errors.append(task.exception())

    @property
    def running(self):
        return len(self._tasks)

    async def wait(self):
        while self._tasks:
            await asyncio.gather(*self._tasks)

    async def cancel_all(self):
        tasks = list(self._tasks)
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
