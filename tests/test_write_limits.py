"""The token bucket behind --write-rate, on a clock the test moves: how many writes go through at
once, when the next one may come, and how a rate is written."""

from __future__ import annotations

import pytest

from seckg.write_limits import Rate, RateLimiter


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize("text, count, seconds", [("60/min", 60, 60), ("5/10s", 5, 10), ("1000/h", 1000, 3600),
                                                  ("3 / 30 seconds", 3, 30), ("1/0.5s", 1, 0.5)])
def test_rates_are_read_as_written(text, count, seconds):
    assert Rate.parse(text) == Rate(count, seconds)


def test_off_means_no_limit():
    limiter = RateLimiter(Rate.parse("off"))
    assert all(limiter.admit("token:alice") == 0 for _ in range(10_000))


def test_a_burst_then_one_per_interval_and_clients_apart():
    clock = Clock()
    limiter = RateLimiter(Rate.parse("3/30s"), clock)
    assert [limiter.admit("token:alice") for _ in range(3)] == [0, 0, 0]
    assert limiter.admit("token:alice") == 10  # one comes back every 10 s
    assert limiter.admit("token:bob") == 0  # another client has its own bucket
    clock.now += 4
    assert limiter.admit("token:alice") == 6  # a refused attempt does not push the next one back
    clock.now += 6
    assert limiter.admit("token:alice") == 0
    assert limiter.admit("token:alice") == 10
    clock.now += 3600  # a long pause refills the bucket, never beyond the burst
    assert [limiter.admit("token:alice") for _ in range(4)] == [0, 0, 0, 10]


def test_idle_clients_are_forgotten_without_changing_anything(monkeypatch):
    import seckg.write_limits as write_limits

    monkeypatch.setattr(write_limits, "_MAX_CLIENTS", 100)
    clock = Clock()
    limiter = RateLimiter(Rate.parse("2/min"), clock)
    limiter.admit("token:busy")
    limiter.admit("token:busy")
    for n in range(150):
        clock.now += 1
        limiter.admit(f"address:10.0.0.{n}")
    assert len(limiter._buckets) <= 101
    assert limiter.admit("token:busy") == 0  # 150 s later its bucket is full again, forgotten or not
