"""Answers to repeated queries without running them again, and 304s for clients that have them.

An answer is a function of the graph, the query text, the dataset asked for and the format it
is written in, so that tuple (as `Job` carries it) plus `graph_version()` is the cache key, and a
hash of the key is the answer's ETag: a conditional GET whose If-None-Match names it gets 304
without the query being run, in any worker. Nothing is ever invalidated by hand: when the graph
changes its version changes, every key changes with it, and old answers age out of the LRU.

Queries whose answer is not a function of the graph are never cached: those calling RAND, NOW,
UUID, STRUUID or BNODE, and SERVICE calls to other endpoints. Each worker process keeps its own
cache, bounded in bytes (`SECKG_ANSWER_CACHE_MB`, default 128; 0 turns it off). A request with
`Cache-Control: no-cache` is answered afresh (and the fresh answer is kept).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
from collections import OrderedDict

from flask import Flask, Request

from seckg.executor import Answer, Job

_VOLATILE = re.compile(r"\b(RAND|NOW|UUID|STRUUID|BNODE)\s*\(", re.I)
_VERSION = "seckg.graph_version"
_GENERATION = "seckg.graph_generation"
_CACHE = "seckg.answer_cache"


def set_graph_fingerprint(app: Flask, *parts: object) -> None:
    """Record what identifies the graph the app serves (the sources' fingerprint, the store's
    statistics); done once when the app is built."""
    digest = hashlib.sha256(json.dumps([str(p) for p in parts], sort_keys=True).encode()).hexdigest()
    app.extensions[_VERSION] = digest[:16]


def graph_version(app: Flask) -> str:
    """The version of the graph the app answers from: the fingerprint taken when it was built and
    the generation number that every accepted write or reload increments (`bump_generation`).
    The one place the cache learns that the graph changed: the store's own generation (see
    seckg.web.writes: it moves on every accepted write and reload, in whichever worker) counts too."""
    live = app.extensions.get("seckg.generation")
    written = live() if live is not None else 0
    return f"{app.extensions.get(_VERSION, 'unversioned')}.{app.extensions.get(_GENERATION, 0)}.{written}"


def bump_generation(app: Flask) -> None:
    """Mark the graph as changed: every cached answer and ETag handed out before is stale."""
    app.extensions[_GENERATION] = app.extensions.get(_GENERATION, 0) + 1


class AnswerCache:
    """A least-recently-used map from key to 200 answer, bounded by the bytes of the answers."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self.largest = max_bytes // 8  # one huge answer must not evict everything else
        self._entries: OrderedDict[str, Answer] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: str) -> Answer | None:
        with self._lock:
            answer = self._entries.get(key)
            if answer is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return answer

    def put(self, key: str, answer: Answer) -> None:
        if answer.status != 200 or len(answer.body) > self.largest:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._size -= len(old.body)
            self._entries[key] = answer
            self._size += len(answer.body)
            while self._size > self.max_bytes:
                _, evicted = self._entries.popitem(last=False)
                self._size -= len(evicted.body)

    def __len__(self) -> int:
        return len(self._entries)


def install(app: Flask) -> None:
    megabytes = float(os.environ.get("SECKG_ANSWER_CACHE_MB", "128"))
    app.extensions[_CACHE] = AnswerCache(int(megabytes * 1024 * 1024)) if megabytes > 0 else None


def cache_of(app: Flask) -> AnswerCache | None:
    return app.extensions.get(_CACHE)


def cacheable(job: Job) -> bool:
    """Whether the answer is a function of the graph; a query with SERVICE is found out later,
    by the check, and not kept either."""
    return not _VOLATILE.search(job.sparql)


def key_for(app: Flask, job: Job) -> str:
    """The cache key, which is also the ETag: the graph version and everything the answer depends on."""
    answered = (job.sparql, job.results_writer, job.graph_writer, job.default_graph, job.named_graphs,
                job.max_bytes, job.base_iri, job.allow_service)
    fields = [graph_version(app), *(list(v) if isinstance(v, (list, tuple)) else v for v in answered)]
    return hashlib.sha256(json.dumps(fields, default=str).encode()).hexdigest()[:32]


def client_has(request: Request, key: str) -> bool:
    """A GET whose If-None-Match names this answer's ETag (weak comparison, as for GET)."""
    return request.method in ("GET", "HEAD") and request.if_none_match.contains_weak(key)


def wants_fresh(request: Request) -> bool:
    return "no-cache" in request.cache_control
