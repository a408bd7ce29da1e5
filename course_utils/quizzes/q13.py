"""Quiz for lesson 13 (testing async agents)."""

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
        "In pytest-asyncio 1.x, how does an async test get hold of its event loop?",
        ["Request the event_loop fixture", "Call asyncio.get_running_loop() inside the test",
         "Call asyncio.new_event_loop() at the top of the test"],
        answer=1,
        explanation="The event_loop fixture was removed in 1.0; the test already runs on a loop, "
                    "so asyncio.get_running_loop() returns it.",
        wrong_feedback={0: "That fixture existed in older versions. What changed in 1.0?",
                        2: "That creates a second loop your test is not running on."},
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
