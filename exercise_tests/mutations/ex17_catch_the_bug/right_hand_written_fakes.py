# Hand-written fakes instead of AsyncMock: a list of scripted steps and a list of waits.
async def check_agent(make_agent):
    def fakes(*steps):
        script = list(steps)
        prompts, waits = [], []

        class Model:
            async def complete(self, prompt, **kwargs):
                prompts.append(prompt)
                step = script.pop(0)
                if isinstance(step, BaseException):
                    raise step
                return SimpleNamespace(text=step)

        async def sleep(seconds):
            waits.append(seconds)

        return Model(), sleep, prompts, waits

    llm, sleep, prompts, waits = fakes(*[ServerError("busy")] * 4, "ok")
    answer = await make_agent(llm, sleep).ask("q")
    if answer != "ok" or len(prompts) != 5 or waits != [4, 8, 16, 32]:
        raise AssertionError(f"answer={answer!r} calls={len(prompts)} waits={waits}")

    llm, sleep, prompts, waits = fakes(BadRequestError("too long"), "no")
    try:
        await make_agent(llm, sleep).ask("q")
    except BadRequestError:
        pass
    else:
        raise AssertionError("a bad request must reach the caller")
    if len(prompts) != 1 or waits:
        raise AssertionError("a bad request must not be retried")
