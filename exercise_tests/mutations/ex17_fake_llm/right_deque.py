# A deque of steps and a call counter.
from collections import deque


class ScriptedLLM:
    def __init__(self, *script, latency=0.0):
        self._steps = deque(script)
        self._length = len(script)
        self.latency = latency
        self.prompts = []

    async def complete(self, prompt, **options):
        self.prompts.append(prompt)
        await asyncio.sleep(self.latency)
        if not self._steps:
            raise ScriptExhausted(f"call {len(self.prompts)}: the script has only {self._length} steps")
        step = self._steps.popleft()
        if isinstance(step, BaseException):
            raise step
        return Reply(text=step)

    @property
    def calls(self):
        return len(self.prompts)

    @property
    def remaining(self):
        return len(self._steps)
