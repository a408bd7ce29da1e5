"""Token-bucket arithmetic on an injected clock: exact, no waiting."""

from __future__ import annotations

import math

import pytest

from course_utils.ratelimit import RateLimits, TokenBucket


class FakeClock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def test_bucket_starts_full_and_refills_continuously():
    clock = FakeClock()
    bucket = TokenBucket.per_minute(60, clock_fn=clock)  # 1 token per course second
    assert bucket.available == 60
    assert bucket.try_take(60)
    assert not bucket.try_take(1)
    clock.t += 0.5
    assert bucket.available == pytest.approx(0.5)
    assert bucket.wait_time(1) == pytest.approx(0.5)
    clock.t += 0.5
    assert bucket.try_take(1)


def test_refused_request_takes_nothing():
    clock = FakeClock()
    bucket = TokenBucket(capacity=10, rate=1, clock_fn=clock)
    bucket.try_take(8)
    assert not bucket.try_take(5)
    assert bucket.available == pytest.approx(2)


def test_bucket_never_overfills_and_rejects_impossible_requests():
    clock = FakeClock()
    bucket = TokenBucket(capacity=5, rate=10, clock_fn=clock)
    clock.t += 1000
    assert bucket.available == 5
    assert math.isinf(bucket.wait_time(6))


def test_give_back_returns_unused_estimate():
    clock = FakeClock()
    bucket = TokenBucket(capacity=100, rate=1, clock_fn=clock)
    bucket.try_take(100)
    bucket.give_back(40)
    assert bucket.available == pytest.approx(40)


def test_invalid_bucket():
    with pytest.raises(ValueError):
        TokenBucket(capacity=0, rate=1)


def test_limits_report_the_longest_wait_and_take_nothing_when_refused():
    clock = FakeClock()
    limits = RateLimits(requests_per_minute=60, tokens_per_minute=600, clock_fn=clock)
    assert limits.check(600) is None          # the whole token allowance at once
    refused = limits.check(60)
    assert refused is not None and refused[0] == "tokens"
    assert refused[1] == pytest.approx(6.0)   # 60 tokens at 10 tokens per course second
    assert limits.requests.available == pytest.approx(59)  # the refusal took no request
    clock.t += 6.0
    assert limits.check(60) is None


def test_burst_caps_requests():
    clock = FakeClock()
    limits = RateLimits(requests_per_minute=600, burst_requests=3, clock_fn=clock)
    assert [limits.check(1) is None for _ in range(4)] == [True, True, True, False]
    assert limits.check(1)[1] == pytest.approx(0.1)


def test_headers_look_like_openai():
    clock = FakeClock()
    limits = RateLimits(requests_per_minute=60, tokens_per_minute=1000, clock_fn=clock)
    limits.check(100)
    headers = limits.headers()
    assert headers["x-ratelimit-limit-requests"] == "60"
    assert headers["x-ratelimit-remaining-tokens"] == "900"
    assert headers["x-ratelimit-reset-tokens"] == "6.000s"


def test_token_burst_caps_the_tokens_bucket():
    clock = FakeClock()
    limits = RateLimits(tokens_per_minute=6000, burst_tokens=500, clock_fn=clock)
    assert limits.check(400) is None
    refused = limits.check(400)
    assert refused is not None and refused[0] == "tokens"
    assert refused[1] == pytest.approx(3.0)  # 300 missing tokens at 100 per course second
