# MUTATION: calls the blocking function right inside async code
# EXPECT: blocked the event loop
async def gather_blocking(fn, args, max_threads):
    return [fn(a) for a in args]
