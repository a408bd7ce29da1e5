# MUTATION: returns the StreamingResponse at once; a refusal arrives after the 200 went out
# EXPECT: Get the first token *before* returning the StreamingResponse
def make_app(answer):
    app = FastAPI()
    counts = {"answered": 0, "failed": 0}

    @app.post("/ask")
    async def ask(body: Ask):
        async def stream():
            try:
                async for token in answer(body.question):
                    yield token
            except LLMError:
                counts["failed"] += 1
                raise
            counts["answered"] += 1

        return StreamingResponse(stream(), media_type="text/plain")

    @app.get("/metrics")
    async def metrics():
        return dict(counts)

    return app
