# MUTATION: wait() waits once for the tasks that exist when it starts, and cancel_all does not await
# EXPECT: spawned while waiting
# EXPECT: await them
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
        if self._tasks:
            await asyncio.wait(set(self._tasks))

    async def cancel_all(self):
        for t in self._tasks:
            t.cancel()
