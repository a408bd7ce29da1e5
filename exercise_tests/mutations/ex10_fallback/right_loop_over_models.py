# A loop over both models with wait_for; the last error is re-raised.
async def answer_with_fallback(primary, secondary, prompt, *, timeout=2.0):
    models = [primary, secondary]
    for i, model in enumerate(models):
        try:
            return await asyncio.wait_for(model.complete(prompt), timeout=timeout)
        except (TimeoutError, LLMError):
            if i == len(models) - 1:
                raise
