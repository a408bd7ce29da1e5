# MUTATION: yields once, after all the work is done
# EXPECT: turn
async def count_primes(limit, every=1000):
    count = sum(1 for n in range(2, limit) if is_prime(n))
    await asyncio.sleep(0)
    return count
