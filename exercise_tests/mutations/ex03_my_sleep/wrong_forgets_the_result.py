# MUTATION: the timer wakes the future with None instead of the result it was given
# EXPECT: return the result it was given
async def sleep_for(delay, result=None):
    loop = asyncio.get_running_loop()
    future = loop.create_future()
    handle = loop.call_later(delay, lambda: future.done() or future.set_result(None))
    try:
        return await future
    finally:
        handle.cancel()
