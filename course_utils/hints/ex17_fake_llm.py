"""Hints for ex17_fake_llm, from a nudge to near-code; shown one at a time by hint("ex17_fake_llm").

Read with ast, never imported. Only the last tier may come close to the answer."""

HINTS = [
    "Keep the script as a list and an index (or pop from the front of a copy). Each call: record "
    "the prompt, wait, then look at the next step: is it a str or an exception?",
    "isinstance(step, BaseException) tells an exception from an answer: `raise step` for one, "
    "`return Reply(step)` for the other. Check for an empty script before taking a step, and "
    "raise ScriptExhausted(f'... the script has only {n} steps') there.",
    "def __init__(self, *script, latency=0.0): self.script = list(script); self.used = 0; "
    "self.prompts = []; self.latency = latency -- complete(): self.prompts.append(prompt); await "
    "asyncio.sleep(self.latency); if self.used == len(self.script): raise ScriptExhausted(...); "
    "step = self.script[self.used]; self.used += 1; ...",
]
