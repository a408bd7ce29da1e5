# call_at with an absolute deadline; the timer is cancelled in an except clause that re-raises.
async def sleep_for(delay, result=None):
    loop = asyncio.get_running_loop()
    future = loop.create_future()

    def wake():
        if not future.cancelled():
            future.set_result(result)

    handle = loop.call_at(loop.time() + delay, wake)
    try:
        await future
    except asyncio.CancelledError:
        handle.cancel()
        raise
    return future.result()
