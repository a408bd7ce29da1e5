# MUTATION: wraps every step in a Reply, exceptions included
# EXPECT: the scripted ServerError to be raised
class ScriptedLLM:
    def __init__(self, *script, latency=0.0):
        self.script, self.latency, self.prompts, self.used = list(script), latency, [], 0

    async def complete(self, prompt, **options):
        self.prompts.append(prompt)
        await asyncio.sleep(self.latency)
        if self.used >= len(self.script):
            raise ScriptExhausted(f"the script has only {len(self.script)} steps")
        step = self.script[self.used]
        self.used += 1
        return Reply(step)

    @property
    def calls(self):
        return len(self.prompts)

    @property
    def remaining(self):
        return len(self.script) - self.used
