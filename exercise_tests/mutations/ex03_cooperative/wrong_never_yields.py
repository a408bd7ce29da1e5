# MUTATION: a plain loop: the right count, but the event loop never gets a turn
# EXPECT: Give the loop a turn
async def count_primes(limit, every=1000):
    return sum(1 for n in range(2, limit) if is_prime(n))
