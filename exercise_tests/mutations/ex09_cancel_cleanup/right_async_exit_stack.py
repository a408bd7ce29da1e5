# contextlib.AsyncExitStack registers the close; it runs on every way out.
import contextlib


async def run_step(session, llm, prompt):
    async with contextlib.AsyncExitStack() as stack:
        await session.open()
        stack.push_async_callback(session.close)
        try:
            reply = await llm.complete(prompt)
        except LLMError as error:
            session.log(repr(error))
            return None
        return reply.text
