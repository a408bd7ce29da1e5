# MUTATION: simulates latency with time.sleep
# EXPECT: blocked the event loop
import time


class ScriptedLLM:
    def __init__(self, *script, latency=0.0):
        self.script, self.latency, self.prompts, self.used = list(script), latency, [], 0

    async def complete(self, prompt, **options):
        self.prompts.append(prompt)
        time.sleep(self.latency)
        if self.used >= len(self.script):
            raise ScriptExhausted(f"the script has only {len(self.script)} steps")
        step = self.script[self.used]
        self.used += 1
        if isinstance(step, BaseException):
            raise step
        return Reply(step)

    @property
    def calls(self):
        return len(self.prompts)

    @property
    def remaining(self):
        return len(self.script) - self.used
