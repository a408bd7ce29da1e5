# MUTATION: counts the answer when the response starts, before a single token is streamed
# EXPECT: Count an answer only when the whole answer was streamed
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
            yield first
            async for token in tokens:
                yield token

        counts["answered"] += 1
        return StreamingResponse(rest(), media_type="text/plain")

    @app.get("/metrics")
    async def metrics():
        return dict(counts)

    return app
