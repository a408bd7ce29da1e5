"""Quiz for lesson 17 (testing async agents)."""

from course_utils.quizzes import MultipleChoice, ShortAnswer

QUESTIONS = [
    MultipleChoice(
        "A test does `result = agent.ask('q')` (no await), then `assert result`. With a default "
        "pytest setup, what happens?",
        ["It fails with a TypeError", "It passes, although agent.ask never ran",
         "pytest-asyncio awaits the coroutine for you"],
        answer=1,
        explanation="Calling an async def only creates a coroutine object, which is truthy; the "
                    "only trace is a 'never awaited' RuntimeWarning unless filterwarnings makes it "
                    "an error.",
        wrong_feedback={0: "Calling an async function is not an error by itself. What does the call "
                           "return, and is that object truthy?",
                        2: "pytest-asyncio runs async *test functions* on a loop; it never touches "
                           "a coroutine your test creates and drops."},
    ),
    MultipleChoice(
        "`memory.save` is an AsyncMock. The agent calls `memory.save(x)` but forgets the await. "
        "Which assertion catches the bug?",
        ["memory.save.assert_called_once()", "memory.save.assert_awaited_once()",
         "both of them"],
        answer=1,
        explanation="A mock records the call when the coroutine is created; only the awaited "
                    "family knows whether anything awaited it.",
        wrong_feedback={0: "When does a mock record a call: when the coroutine is created, or when "
                           "it runs?",
                        2: "One of the two is satisfied by merely creating the coroutine."},
    ),
    MultipleChoice(
        "A test marked `@pytest.mark.looptime` awaits `asyncio.sleep(60)` and nothing else. "
        "Afterwards...",
        ["loop.time() advanced by 60 and the test took milliseconds of real time",
         "loop.time() advanced by about 0 and the test took 60 real seconds",
         "both loop.time() and time.perf_counter() advanced by 60, instantly"],
        answer=0,
        explanation="looptime fakes the event loop's clock: with nothing else to run, it jumps "
                    "straight to the next timer. Real clocks such as perf_counter are untouched.",
        wrong_feedback={1: "That is what happens without the plugin. Which clock does looptime "
                           "replace?",
                        2: "looptime cannot change the clocks in the time module; it only owns "
                           "the loop's clock."},
    ),
    MultipleChoice(
        "A module-scoped async fixture opens one shared client for a whole test file. The tests "
        "run with pytest-asyncio's default loop scope. What goes wrong, and what fixes it?",
        ["Nothing: fixtures and tests always share one loop",
         "Each test runs on its own fresh loop while the client belongs to the fixture's loop; "
         "run the tests on the module's loop (loop_scope=\"module\")",
         "The fixture runs twice per test; make it function-scoped to save time",
         "pytest-asyncio refuses module-scoped fixtures"],
        answer=1,
        explanation="The default test loop scope is function: a new loop per test. Objects that "
                    "waited on one loop must not be used from another, so tests sharing a "
                    "module-scoped async fixture need loop_scope=\"module\" (a marker, or "
                    "asyncio_default_test_loop_scope).",
        wrong_feedback={0: "Which loop does each test get by default?",
                        2: "A module-scoped fixture runs once per module. Think about loops.",
                        3: "It supports them; the question is which loop they run on."},
    ),
    ShortAnswer(
        "Why inject a fake sleep (or use a virtual clock) instead of shrinking the backoff delays "
        "in tests?",
        keywords=[r"(slow|real time|wall|flak|wait)",
                  r"(exact|same|production|real delays|unchanged|actual|determin)"],
        model_answer="Shrunk delays still wait real time, so the tests stay slow and wall-clock "
                     "assertions turn flaky on a busy machine; and they test a copy of the "
                     "schedule. A fake sleep or virtual clock keeps the production delays and "
                     "checks them exactly, deterministically, in milliseconds.",
        nudge="Compare the two on speed and reliability, and on which delays actually get tested.",
    ),
]
