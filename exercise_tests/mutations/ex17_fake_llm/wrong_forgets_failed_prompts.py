# MUTATION: records the prompt only when the call answers
# EXPECT: also the one that raised
class ScriptedLLM:
    def __init__(self, *script, latency=0.0):
        self.script, self.latency, self.prompts, self.used = list(script), latency, [], 0

    async def complete(self, prompt, **options):
        await asyncio.sleep(self.latency)
        if self.used >= len(self.script):
            raise ScriptExhausted(f"the script has only {len(self.script)} steps")
        step = self.script[self.used]
        self.used += 1
        if isinstance(step, BaseException):
            raise step
        self.prompts.append(prompt)
        return Reply(step)

    @property
    def calls(self):
        return self.used

    @property
    def remaining(self):
        return len(self.script) - self.used
