# Works in chunks of `every` numbers, yielding between chunks.
async def count_primes(limit, every=1000):
    count = 0
    for start in range(2, limit, every):
        count += sum(1 for n in range(start, min(start + every, limit)) if is_prime(n))
        await asyncio.sleep(0)
    return count
