"""Hints for ex17_catch_the_bug, from a nudge to near-code; shown one at a time by hint("ex17_catch_the_bug").

Read with ast, never imported. Only the last tier may come close to the answer."""

HINTS = [
    "Run the agent in two scenarios with fresh fakes each time: (1) four ServerErrors then an "
    "answer, (2) a BadRequestError. For each, decide what a correct agent returns or raises, and "
    "what the fakes should have seen.",
    "Scenario 1: llm = AsyncMock(); llm.complete.side_effect = [ServerError('x')] * 4 + "
    "[SimpleNamespace(text='ok')]; sleep = AsyncMock(). Then assert the answer == 'ok', "
    "llm.complete.await_count == 5, and sleep.await_args_list == [call(4), call(8), call(16), "
    "call(32)] (await_args_list only lists calls that were awaited).",
    "Scenario 2: side_effect = [BadRequestError('bad'), SimpleNamespace(text='no')]; inside "
    "`try: await agent.ask('q') except BadRequestError: pass else: raise AssertionError(...)`, "
    "then assert llm.complete.await_count == 1 and sleep.await_count == 0.",
]
