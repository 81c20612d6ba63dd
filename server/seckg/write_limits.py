"""How often one client may write: a token bucket per client, kept in the writer process.

Why there. gunicorn runs several workers and a client's requests land on any
of them, so a count kept in a worker would let a client write once per worker
as often as allowed. Every write already goes through the one writer process,
which therefore sees all of a client's attempts; it answers over-limit ones at
once (429 with the seconds to wait), without waiting for the write in progress.

Who is a client. A write is counted against its token's name; a request
refused for its token (none, wrong, or put in the URL) is counted against its
remote address, so guessing tokens or retrying with a stale one is slowed the
same way. Every attempt counts, accepted or refused, since even a refused write
costs the writer its validation.

A rate is written `N/PERIOD`: `60/min` (the default), `5/10s`, `1000/h`; `off`
turns the limit off. A client may make N requests at once and then one more
each PERIOD/N; the counts live in memory and start afresh when the server does.
"""

from __future__ import annotations

import math
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

DEFAULT_RATE = "60/min"
_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*(?:\.\d+)?)\s*(s|sec|second|min|minute|h|hour)s?\s*$", re.I)
_UNIT_SECONDS = {"s": 1, "sec": 1, "second": 1, "min": 60, "minute": 60, "h": 3600, "hour": 3600}
_MAX_CLIENTS = 10_000  # buckets kept before the full ones (idle clients) are forgotten


@dataclass(frozen=True)
class Rate:
    count: int
    seconds: float

    @classmethod
    def parse(cls, text: str) -> Rate | None:
        """The rate `text` names, None for `off`; ValueError with what is expected otherwise."""
        if text.strip().lower() in ("off", "none", "0"):
            return None
        match = _RATE.match(text)
        if not match or int(match.group(1)) < 1 or (match.group(2) and float(match.group(2)) <= 0):
            raise ValueError(f"a rate is N/PERIOD, such as 60/min, 5/10s or 1000/h (or off), not {text!r}")
        seconds = float(match.group(2) or 1) * _UNIT_SECONDS[match.group(3).lower()]
        return cls(int(match.group(1)), seconds)

    def __str__(self) -> str:
        return f"{self.count} per {self.seconds:g} s"


class RateLimiter:
    """Token buckets by client key: `admit` takes one token, or says how long until there is one."""

    def __init__(self, rate: Rate | None, clock: Callable[[], float] = time.monotonic):
        self.rate = rate
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens left, when counted)
        self._lock = threading.Lock()

    def admit(self, key: str) -> int:
        """0 if the client may go ahead (a token is spent), else whole seconds to wait (Retry-After)."""
        if self.rate is None:
            return 0
        per_second = self.rate.count / self.rate.seconds
        now = self.clock()
        with self._lock:
            tokens, then = self._buckets.get(key, (float(self.rate.count), now))
            tokens = min(float(self.rate.count), tokens + (now - then) * per_second)
            if tokens >= 1:
                self._buckets[key] = (tokens - 1, now)
                if len(self._buckets) > _MAX_CLIENTS:
                    self._forget_idle(now, per_second)
                return 0
            self._buckets[key] = (tokens, now)
            return max(1, math.ceil((1 - tokens) / per_second))

    def _forget_idle(self, now: float, per_second: float) -> None:
        """Drop the clients whose bucket has filled up again: forgetting them changes nothing."""
        full = float(self.rate.count)
        self._buckets = {k: (t, at) for k, (t, at) in self._buckets.items() if t + (now - at) * per_second < full}
