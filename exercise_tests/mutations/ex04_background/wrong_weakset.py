# MUTATION: keeps the tasks in a weakref.WeakSet "so finished tasks disappear by themselves"
# EXPECT: garbage-collected
import weakref


class BackgroundTasks:
    def __init__(self):
        self._tasks = weakref.WeakSet()
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
        return sum(1 for t in self._tasks if not t.done())

    async def wait(self):
        while self._tasks:
            await asyncio.wait(set(self._tasks))

    async def cancel_all(self):
        tasks = list(self._tasks)
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
