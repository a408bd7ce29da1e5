# MUTATION: the caller that starts the call removes the key in its own finally block
# EXPECT: The bookkeeping must follow the call, not the caller
class SingleFlight:
    def __init__(self):
        self._in_flight = {}

    async def do(self, key, fn):
        if key in self._in_flight:
            return await asyncio.shield(self._in_flight[key])
        task = asyncio.create_task(fn())
        self._in_flight[key] = task
        try:
            return await asyncio.shield(task)
        finally:
            del self._in_flight[key]
