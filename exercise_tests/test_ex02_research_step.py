"""Tests for ex02_research_step: parallel searches, then one model call with all the results."""

from __future__ import annotations

import pytest
from _helpers import InstrumentedLLM, Probe, Timer

from course_utils import records, tools

EXERCISE = "ex02_research_step"
QUESTION = "Why do agents spend most of their time waiting?"
QUERIES = ["event loop latency", "llm agent tools", "python asyncio gather", "rate limits retries"]


@pytest.fixture
def probe(monkeypatch):
    probe = Probe()
    monkeypatch.setattr(tools, "search_web", probe.wrap(tools.search_web, "search_web"))
    return probe


def expected_prompt(ex) -> str:
    return ex.build_prompt(QUESTION, [records.search_results(q, 3) for q in QUERIES])


async def test_one_model_call_with_every_result(probe, ex):
    """The model is called exactly once, with the prompt built from every search result in order."""
    llm = InstrumentedLLM()
    answer = await ex.research(QUESTION, QUERIES, llm)
    assert len(llm.prompts) == 1, f"The model was called {len(llm.prompts)} time(s); it should be called exactly once."
    assert llm.prompts[0] == expected_prompt(ex), (
        "The prompt is not build_prompt(question, results) with one list of results per query, in "
        "the order of the queries.")
    assert answer == llm.answers[0].text, (
        "research should return the text of the model's answer (completion.text), as a str.")


async def test_searches_run_together(probe, ex):
    """All the searches are in flight at the same time."""
    await ex.research(QUESTION, QUERIES, InstrumentedLLM())
    assert probe.peak == len(QUERIES), (
        f"At most {probe.peak} search(es) ran at once; all {len(QUERIES)} are independent and should "
        f"run together.")


async def test_model_waits_for_the_last_search_and_no_longer(probe, ex):
    """The model call starts right after the last search finishes; the whole step takes max + model."""
    llm = InstrumentedLLM()
    with Timer() as t:
        await ex.research(QUESTION, QUERIES, llm)
    last_search_end = max(end for _, _, end in probe.calls)
    (_, llm_start, llm_end), = llm.probe.calls
    assert llm_start >= last_search_end - 1e-6, (
        "The model was called before every search had finished, so it could not see all the results.")
    searches = max(tools.latency_of("search_web", ((q,), (("results", 3),))) for q in QUERIES)
    ideal = searches + (llm_end - llm_start)
    assert t.elapsed <= 1.2 * ideal, (
        f"The step took {t.elapsed:.2f} s; searches in parallel and then the model take about "
        f"{ideal:.2f}. Are the searches run one after the other?")
