# MUTATION: waits with time.sleep, which freezes the whole event loop
# EXPECT: blocked the event loop
import time


async def sleep_for(delay, result=None):
    time.sleep(delay)
    return result
