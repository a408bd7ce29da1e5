# MUTATION: the starting caller forgets the key after its await; if it is cancelled, that never runs
# EXPECT: the key was never forgotten
class SingleFlight:
    def __init__(self):
        self._in_flight = {}

    async def do(self, key, fn):
        if key in self._in_flight:
            return await asyncio.shield(self._in_flight[key])
        task = asyncio.create_task(fn())
        self._in_flight[key] = task
        try:
            result = await asyncio.shield(task)
        except Exception:
            self._in_flight.pop(key, None)
            raise
        self._in_flight.pop(key, None)
        return result
