"""Operator settings of the SPARQL endpoint: limits, CORS origins and outbound allow-lists.

They are read once (command-line options, else environment variables, else
these defaults) and fixed for the life of the app, so every worker process
enforces the same limits.
"""

from __future__ import annotations

import os
from dataclasses import dataclass


def _words(value: str | None) -> tuple[str, ...]:
    return tuple(w for w in (value or "").replace(",", " ").split() if w)


@dataclass(frozen=True)
class EndpointSettings:
    timeout: float = 30.0  # seconds; a request may ask for less with ?timeout=
    max_response_bytes: int = 64 * 1024 * 1024  # a larger answer is refused whole (422), never cut
    max_request_bytes: int = 1024 * 1024  # 413 above this
    query_slots: int = 2  # concurrent queries per worker process
    queue_wait: float = 2.0  # seconds a query waits for a free slot before 503
    cors_origins: tuple[str, ...] = ("*",)
    allow_service: tuple[str, ...] = ()  # SERVICE endpoints a query may call
    allow_from: tuple[str, ...] = ()  # IRIs outside the dataset that FROM / default-graph-uri may name

    def __post_init__(self) -> None:
        if self.timeout <= 0 or self.query_slots < 1 or self.max_response_bytes < 1:
            raise ValueError("timeout, query slots and response size must be positive")

    @classmethod
    def from_env(cls, **overrides) -> EndpointSettings:
        """$SECKG_TIMEOUT, $SECKG_MAX_RESPONSE_BYTES, $SECKG_MAX_REQUEST_BYTES, $SECKG_QUERY_SLOTS,
        $SECKG_CORS_ORIGINS, $SECKG_ALLOW_SERVICE, $SECKG_ALLOW_FROM (lists: space or comma separated);
        keyword arguments that are not None win."""
        env = os.environ
        values: dict = {}
        if "SECKG_TIMEOUT" in env:
            values["timeout"] = float(env["SECKG_TIMEOUT"])
        for key, name in (
            ("max_response_bytes", "SECKG_MAX_RESPONSE_BYTES"),
            ("max_request_bytes", "SECKG_MAX_REQUEST_BYTES"),
            ("query_slots", "SECKG_QUERY_SLOTS"),
        ):
            if name in env:
                values[key] = int(env[name])
        for key, name in (
            ("cors_origins", "SECKG_CORS_ORIGINS"),
            ("allow_service", "SECKG_ALLOW_SERVICE"),
            ("allow_from", "SECKG_ALLOW_FROM"),
        ):
            if name in env:
                values[key] = _words(env[name])
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)
