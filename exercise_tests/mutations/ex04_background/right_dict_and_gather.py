# A dict keyed by task; wait() loops on gather(return_exceptions=True); errors read in the callback.
class BackgroundTasks:
    def __init__(self):
        self._running = {}
        self.errors = []

    def spawn(self, coro, name=None):
        task = asyncio.create_task(coro, name=name)
        self._running[task] = True

        def done(t):
            self._running.pop(t, None)
            if t.cancelled():
                return
            if t.exception() is not None:
                self.errors.append(t.exception())

        task.add_done_callback(done)
        return task

    @property
    def running(self):
        return len(self._running)

    async def wait(self):
        while self._running:
            await asyncio.gather(*list(self._running), return_exceptions=True)

    async def cancel_all(self):
        tasks = list(self._running)
        for t in tasks:
            t.cancel()
        await asyncio.wait(tasks) if tasks else None
