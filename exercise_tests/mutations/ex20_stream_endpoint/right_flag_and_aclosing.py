# A `finished` flag checked in finally, and contextlib.aclosing around the token generator.
from contextlib import aclosing


def make_app(answer):
    app = FastAPI()
    stats = {"answered": 0, "failed": 0}

    @app.post("/ask")
    async def ask(body: Ask):
        tokens = answer(body.question)
        try:
            first = await tokens.__anext__()
        except LLMError as error:
            stats["failed"] += 1
            await tokens.aclose()
            raise HTTPException(error.status_code, detail=str(error))

        async def body_chunks():
            finished = False
            async with aclosing(tokens):
                try:
                    yield first
                    async for token in tokens:
                        yield token
                    finished = True
                except LLMError:
                    stats["failed"] += 1
                    raise
                finally:
                    if finished:
                        stats["answered"] += 1

        return StreamingResponse(body_chunks(), media_type="text/plain")

    @app.get("/metrics")
    async def metrics():
        return stats.copy()

    return app
