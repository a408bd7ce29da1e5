# MUTATION: every caller awaits the shared task directly, without asyncio.shield
# EXPECT: asyncio.shield
class SingleFlight:
    def __init__(self):
        self._in_flight = {}

    async def do(self, key, fn):
        task = self._in_flight.get(key)
        if task is None:
            task = asyncio.create_task(fn())
            self._in_flight[key] = task

            def forget(done):
                if self._in_flight.get(key) is done:
                    del self._in_flight[key]
                if not done.cancelled():
                    done.exception()

            task.add_done_callback(forget)
        return await task
