"""Simulated tools, the time scale and course settings."""

from __future__ import annotations

import asyncio
import time

import pytest

from course_utils import clock, records, sync_tools, tools
from course_utils.config import ConfigError, settings


async def test_three_tools_async_about_three_times_faster_than_sync():
    start = time.perf_counter()
    sync_results = [sync_tools.get_grades(7), sync_tools.get_attendance(7), sync_tools.get_schedule(7)]
    sync_s = time.perf_counter() - start
    start = time.perf_counter()
    async_results = await asyncio.gather(tools.get_grades(7), tools.get_attendance(7), tools.get_schedule(7))
    async_s = time.perf_counter() - start
    assert list(async_results) == sync_results
    assert 2.3 < sync_s / async_s < 3.6


def test_tool_data_is_deterministic_and_validated():
    assert records.grades(3) == records.grades(3)
    assert set(records.grades(3)) == set(records.COURSES)
    with pytest.raises(records.UnknownStudent, match="ids run from 1"):
        records.grades(0)
    with pytest.raises(records.UnknownStudent):
        sync_tools.get_grades("7")


def test_tool_latency_is_seeded_and_jittered(monkeypatch):
    a = tools.latency_of("get_grades", 1)
    assert a == tools.latency_of("get_grades", 1)
    assert abs(a - tools.LATENCY["get_grades"]) <= tools.LATENCY["get_grades"] * tools.JITTER
    monkeypatch.setenv("COURSE_SEED", "99")
    assert tools.latency_of("get_grades", 1) != a


async def test_failure_rate_is_seeded_and_retry_can_pass():
    tools.set_failure_rate(0.5)
    try:
        outcomes = []
        for city in records.CITIES:
            try:
                await tools.get_weather(city)
                outcomes.append("ok")
            except tools.ToolError:
                outcomes.append("fail")
        assert "fail" in outcomes and "ok" in outcomes
        failed = records.CITIES[outcomes.index("fail")]
        results = []
        for _ in range(6):  # retries draw new attempts
            try:
                results.append(await tools.get_weather(failed))
            except tools.ToolError:
                pass
        assert results
    finally:
        tools.set_failure_rate(0.0)


async def test_search_and_documents():
    hits = await tools.search_web("asyncio rate limits", results=2)
    assert len(hits) == 2 and all(h["url"].startswith("https://example.org/") for h in hits)
    assert "event loop" in (await tools.read_document("event_loop.md")).lower()
    with pytest.raises(FileNotFoundError, match="try one of"):
        await tools.read_document("nope.md")


def test_crunch_numbers_is_cpu_bound_and_scaled():
    start = time.process_time()
    tools.crunch_numbers(1.0)  # 1 course second = 0.05 real seconds of CPU here
    cpu = time.process_time() - start
    assert cpu > clock.to_real(1.0) * 0.4
    assert tools.crunch_numbers(units=1000) == tools.crunch_numbers(units=1000)


def test_time_scale_converts_both_ways(monkeypatch):
    monkeypatch.setenv("COURSE_TIME_SCALE", "0.1")
    assert clock.to_real(2.0) == pytest.approx(0.2)
    assert clock.to_course(0.2) == pytest.approx(2.0)
    start = time.perf_counter()
    with clock.Stopwatch() as sw:
        clock.sleep_blocking(1.0)
    assert time.perf_counter() - start == pytest.approx(0.1, abs=0.05)
    assert sw.elapsed == pytest.approx(1.0, abs=0.5)


@pytest.mark.parametrize("raw", ["fast", "0", "-1", "inf"])
def test_bad_time_scale_is_explained(monkeypatch, raw):
    monkeypatch.setenv("COURSE_TIME_SCALE", raw)
    with pytest.raises(ConfigError, match="COURSE_TIME_SCALE"):
        settings()


def test_settings_never_show_the_key(monkeypatch):
    monkeypatch.setenv("COURSE_LLM_API_KEY", "sk-secret-123")
    monkeypatch.setenv("COURSE_LLM_BASE_URL", "http://localhost:11434/v1")
    cfg = settings()
    assert cfg.uses_real_provider and cfg.llm_api_key_set
    assert "sk-secret" not in repr(cfg)
