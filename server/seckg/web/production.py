"""Runs the app under gunicorn: several worker processes forked from one loaded, validated app.

The app object is built once in the gunicorn master (load and validation
happen once) and every worker is a fork of it, sharing the in-memory store
copy-on-write; gthread workers keep several connections per process while the
queries themselves run in each worker's killable children (see executor).
"""

from __future__ import annotations

import os

from flask import Flask
from gunicorn.app.base import BaseApplication


def default_workers() -> int:
    """One worker per core, at least 2 so one slow client never blocks the endpoint, at most 8."""
    return max(2, min(os.cpu_count() or 1, 8))


class _Gunicorn(BaseApplication):
    def __init__(self, app: Flask, options: dict):
        self.application = app
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            if key in self.cfg.settings:  # newer gunicorn settings are skipped on older releases
                self.cfg.set(key, value)

    def load(self) -> Flask:
        return self.application


def run(app: Flask, host: str, port: int, workers: int, threads: int, query_timeout: float) -> None:
    """Serve `app` on host:port until stopped (SIGINT/SIGTERM)."""
    _Gunicorn(
        app,
        {
            "bind": f"{host}:{port}",
            "workers": workers,
            "worker_class": "gthread",
            "threads": threads,
            # gunicorn kills a silent worker after `timeout`; queries are bounded by query_timeout already.
            "timeout": int(query_timeout) + 30,
            "graceful_timeout": 10,
            "limit_request_line": 8190,  # the largest gunicorn allows: long GET queries; POST has no such limit
            "accesslog": None,
            "proc_name": "seckg",
            "control_socket_disable": True,  # no runtime-control socket in the user's home
        },
    ).run()
