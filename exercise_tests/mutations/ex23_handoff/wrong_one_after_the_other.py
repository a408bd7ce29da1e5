# MUTATION: no hand-off at all: each text goes through both agents before the next starts
# EXPECT: work at the same time
async def handoff(texts, first, second, maxsize=2):
    return [await second(await first(text)) for text in texts]
