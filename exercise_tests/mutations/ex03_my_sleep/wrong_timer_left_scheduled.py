# MUTATION: schedules set_result directly and never cancels the timer when the sleep is cancelled
# EXPECT: TimerHandle
async def sleep_for(delay, result=None):
    loop = asyncio.get_running_loop()
    future = loop.create_future()
    loop.call_later(delay, future.set_result, result)
    return await future
