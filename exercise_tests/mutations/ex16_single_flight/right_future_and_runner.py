# A shared Future that a runner task resolves; the runner forgets the key when the call ends.
class SingleFlight:
    def __init__(self):
        self._futures = {}
        self._runners = set()

    async def do(self, key, fn):
        future = self._futures.get(key)
        if future is None:
            future = asyncio.get_running_loop().create_future()
            self._futures[key] = future
            future.add_done_callback(lambda f: f.cancelled() or f.exception())

            async def runner():
                try:
                    result = await fn()
                except Exception as error:
                    future.set_exception(error)
                except asyncio.CancelledError:
                    future.cancel()
                    raise
                else:
                    future.set_result(result)
                finally:
                    if self._futures.get(key) is future:
                        del self._futures[key]

            task = asyncio.create_task(runner())
            self._runners.add(task)
            task.add_done_callback(self._runners.discard)
        return await asyncio.shield(future)
