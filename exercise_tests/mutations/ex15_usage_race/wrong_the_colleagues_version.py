# MUTATION: the colleague's code unchanged: check, await, act
# EXPECT: Make the read, the check and the write one step
class UsageTracker:
    def __init__(self, store, limit):
        self.store, self.limit = store, limit

    async def add(self, tokens):
        used = await self.store.get()
        if used + tokens > self.limit:
            return False
        await self.store.set(used + tokens)
        return True
