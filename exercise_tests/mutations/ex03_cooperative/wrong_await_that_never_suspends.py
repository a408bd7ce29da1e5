# MUTATION: awaits a coroutine that never suspends, believing that `await` alone yields
# EXPECT: turn
async def pause():
    return None


async def count_primes(limit, every=1000):
    count = 0
    for n in range(2, limit):
        count += is_prime(n)
        if n % every == 0:
            await pause()
    return count
