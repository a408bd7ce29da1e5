# MUTATION: counts "anything that stopped the stream" as failed with except BaseException
# EXPECT: A client that leaves is not a failure
def make_app(answer):
    app = FastAPI()
    counts = {"answered": 0, "failed": 0}

    @app.post("/ask")
    async def ask(body: Ask):
        tokens = answer(body.question)
        try:
            first = await anext(tokens)
        except LLMError as error:
            counts["failed"] += 1
            raise HTTPException(status_code=error.status_code, detail=str(error)) from None

        async def rest():
            try:
                yield first
                async for token in tokens:
                    yield token
                counts["answered"] += 1
            except BaseException:
                counts["failed"] += 1
                raise
            finally:
                await tokens.aclose()

        return StreamingResponse(rest(), media_type="text/plain")

    @app.get("/metrics")
    async def metrics():
        return dict(counts)

    return app
