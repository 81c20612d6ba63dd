"""Runs SPARQL queries in child processes that can be killed, so a timeout really frees the CPU.

pyoxigraph evaluates a query inside Rust without checking for Python signals,
so a runaway query cannot be interrupted in the thread that started it. Each
`QueryRunner` keeps up to `slots` forked children that inherit the loaded
store (copy-on-write) or open the on-disk one; a query is sent to an idle
child over a pipe and its fully serialized answer comes back. When the
deadline passes the child is SIGKILLed and a fresh one is forked for the next
query. Answers are written in the child and capped in bytes there, so a client
never gets a truncated answer that looks complete.
"""

from __future__ import annotations

import faulthandler
import io
import multiprocessing
import os
import resource
import signal
import threading
import time
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import pyoxigraph as ox

from seckg.sparql_guard import QueryInfo, QueryRejected, check_query
from seckg.store import AnswerTooLarge, GraphStore, StoreUnavailable, is_graph_answer
from seckg.xml_text import NotXmlText, portable_xml


ORPHAN_CHECK_SECONDS = 1.0


@dataclass(frozen=True)
class Guard:
    """What `check_query` needs to check a query in its query process, inside the timeout: reading a
    hostile query (a megabyte of `<a<a<a…`) takes seconds, and a web thread would wait them out."""

    dataset: tuple[str, ...] | None = None  # graphs FROM / FROM NAMED may name
    allow_from: tuple[str, ...] = ()


_GRAPH_FORMS = ("CONSTRUCT", "DESCRIBE")


@dataclass(frozen=True)
class Job:
    """One query and how to answer it; plain data, so it crosses the pipe cheaply."""

    sparql: str
    results_writer: str | None = "JSON"  # ox.QueryResultsFormat attribute for SELECT/ASK; None: not acceptable
    graph_writer: str | None = "TURTLE"  # ox.RdfFormat attribute for CONSTRUCT/DESCRIBE; None: not acceptable
    default_graph: Sequence[str] | None = None
    named_graphs: Sequence[str] | None = None
    max_bytes: int = 64 * 1024 * 1024
    base_iri: str | None = None
    allow_service: tuple[str, ...] = ()
    checked: QueryInfo | None = None  # check_query's reading of `sparql`, when the sender already checked it
    guard: Guard | None = None  # check it in the query process; an update is refused with meta["update"]


@dataclass(frozen=True)
class Answer:
    """Outcome of a job: `status` 200 with `body`, or an error status with `message`."""

    status: int
    body: bytes = b""
    message: str = ""
    kind: str = ""  # "results" or "graph" for a 200
    meta: dict = field(default_factory=dict)


class Busy(RuntimeError):
    """Every query slot of this worker is taken."""


class _TooLarge(Exception):
    pass


class _CappedBuffer(io.RawIOBase):
    """A write target that refuses to grow past `limit` bytes, so a huge answer fails early."""

    def __init__(self, limit: int):
        super().__init__()
        self.limit = limit
        self.parts: list[bytes] = []
        self.size = 0
        self.overflowed = False

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.size += len(data)
        if self.size > self.limit:
            self.overflowed = True
            raise _TooLarge
        self.parts.append(bytes(data))
        return len(data)


def _too_large(limit: int) -> Answer:
    return Answer(
        422,
        message=f"the answer is larger than {limit} bytes, the limit of this server; "
        "ask for less (LIMIT/OFFSET, fewer variables) or a more compact format",
    )


_XML_WRITERS = ("XML", "RDF_XML")


def execute(store: GraphStore, job: Job) -> Answer:
    """Run `job` on `store` in this process; errors become statuses, never exceptions.

    With a `guard` the query is checked here first; `meta["services"]` then says whether it calls
    other endpoints (its answer is not a function of the graph)."""
    info, meta = job.checked, {}
    if info is None and job.guard is not None:
        try:
            info = check_query(job.sparql, job.allow_service, dataset=job.guard.dataset,
                               allow_from=job.guard.allow_from)
        except QueryRejected as error:
            return Answer(400, message=str(error))
        if info.is_update:
            return Answer(400, message="an update, not a query", meta={"update": True})
        kind = "graph" if info.form in _GRAPH_FORMS else "results"
        if info.form is not None and (job.graph_writer if kind == "graph" else job.results_writer) is None:
            return Answer(406, kind=kind, message="no acceptable format for this kind of answer")
        meta = {"services": bool(info.services)}
    try:
        answer = store.query(
            job.sparql, default_graph=job.default_graph, named_graphs=job.named_graphs, base_iri=job.base_iri,
            allow_service=job.allow_service, checked=info,
        )
    except SyntaxError as error:
        return Answer(400, message=f"malformed query: {error}")
    except QueryRejected as error:
        return Answer(400, message=str(error))
    except ValueError as error:  # e.g. a graph IRI pyoxigraph will not take
        return Answer(400, message=str(error))
    except StoreUnavailable as error:
        return Answer(error.status, message=str(error))
    except AnswerTooLarge:
        return _too_large(job.max_bytes)
    except OSError as error:
        return Answer(500, message=f"query failed: {error}")
    kind = "graph" if is_graph_answer(answer) else "results"
    writer = job.graph_writer if kind == "graph" else job.results_writer
    if writer is None:
        return Answer(406, kind=kind, message="no acceptable format for this kind of answer")
    out = _CappedBuffer(job.max_bytes)
    try:
        if kind == "graph":
            ox.serialize(answer, out, format=getattr(ox.RdfFormat, writer))
        else:
            answer.serialize(out, format=getattr(ox.QueryResultsFormat, writer))
    except Exception as error:  # pyoxigraph wraps a failing write() in its own error
        if out.overflowed:
            return _too_large(job.max_bytes)
        return Answer(500, message=f"query evaluation failed: {error}")
    body = b"".join(out.parts)
    if writer in _XML_WRITERS:
        try:
            body = portable_xml(body)
        except NotXmlText as error:
            return Answer(422, message=str(error))
    return Answer(200, body=body, kind=kind, meta=meta)


def _exit_when_orphaned(parent: int) -> None:
    """A worker killed outright (SIGKILL, OOM) cannot stop its children, and nobody would read the
    answer of a runaway query it left behind; Oxigraph releases the GIL, so this thread gets to run."""
    while os.getppid() == parent:
        time.sleep(ORPHAN_CHECK_SECONDS)
    os._exit(1)


def _child(conn, open_store: Callable[[], GraphStore], parent: int) -> None:
    """Child loop: answer jobs until the parent closes the pipe or dies."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # gunicorn's handlers were inherited
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # a query that overflows the stack dumps no store-sized core
    faulthandler.disable()  # ... nor a Python traceback into the server's log
    threading.Thread(target=_exit_when_orphaned, args=(parent,), daemon=True).start()
    store = open_store()
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        conn.send(execute(store, job))


class _Worker:
    def __init__(self, ctx, open_store, generation: int = 0):
        self.generation = generation  # of the store it opened; an older child is never used again
        self.conn, child_conn = ctx.Pipe()
        self.process = ctx.Process(target=_child, args=(child_conn, open_store, os.getpid()), daemon=True)
        self.process.start()
        child_conn.close()

    def kill(self) -> None:
        try:
            os.kill(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.join()
        self.conn.close()


# How a query child ends when Oxigraph recurses past its stack: a query nested (or chained) thousands deep.
_STACK_OVERFLOW = (-signal.SIGSEGV, -signal.SIGABRT, -signal.SIGBUS)


def _died(worker: _Worker) -> Answer:
    """The answer for a child that ended without answering; it is not reused."""
    worker.process.join(5)
    exitcode = worker.process.exitcode
    worker.kill()
    if exitcode in _STACK_OVERFLOW:
        return Answer(400, message="the query is nested or chained too deeply for this server to evaluate "
                                   "(its evaluator ran out of stack); split it or flatten it")
    return Answer(500, message="the query process died (out of memory?); nothing was returned")


def _reset_if_alive(runner: weakref.ref) -> None:
    found = runner()
    if found is not None:
        found._reset()


class QueryRunner:
    """At most `slots` concurrent queries per process, each in a child killed at its deadline."""

    def __init__(self, open_store: Callable[[], GraphStore], slots: int = 2, queue_wait: float = 2.0,
                 generation: Callable[[], int] | None = None):
        self.open_store = open_store
        self.generation = generation  # of the store, when writes can change it: children follow it
        self.slots = slots
        self.queue_wait = queue_wait
        self._ctx = multiprocessing.get_context("fork")
        self._reset()
        # A forked process (a gunicorn worker) starts with no query children of its own. It must forget
        # the parent's before its first request: a check made when a request arrives races with the
        # worker's other threads (two of them resetting at once lost or doubled a slot; the release
        # raised "Semaphore released too many times", a 500: tests/test_bug_runner_fork_race.py).
        this = weakref.ref(self)
        os.register_at_fork(after_in_child=lambda: _reset_if_alive(this))

    def _reset(self) -> None:
        self._pid = os.getpid()
        self._idle: list[_Worker] = []
        self._lock = threading.Lock()
        self._free = threading.BoundedSemaphore(self.slots)
        self.killed = 0  # children killed at a deadline, for tests and logs

    def run(self, job: Job, timeout: float) -> Answer:
        """The answer to `job`, or a 503 Answer if it took longer than `timeout` seconds.

        Raises `Busy` when no slot frees up within `queue_wait` seconds.
        """
        if not self._free.acquire(timeout=self.queue_wait):
            raise Busy(f"all {self.slots} query slots are busy")
        try:
            current = self.generation() if self.generation else 0
            with self._lock:
                stale = [w for w in self._idle if w.generation != current]
                self._idle = [w for w in self._idle if w.generation == current]
                worker = self._idle.pop() if self._idle else None
            for old in stale:  # forked before the last write: they would answer from the old graph
                old.kill()
            if worker is None or not worker.process.is_alive():
                worker = _Worker(self._ctx, self.open_store, current)
            try:
                worker.conn.send(job)
                ready = worker.conn.poll(timeout)
                answer = worker.conn.recv() if ready else None
            except (EOFError, OSError, BrokenPipeError):
                return _died(worker)
            if answer is None:
                worker.kill()
                self.killed += 1
                return Answer(
                    503,
                    message=f"query timed out after {timeout:g} s and was stopped; "
                    "narrow it (more specific patterns, LIMIT) and try again",
                )
            with self._lock:
                self._idle.append(worker)
            return answer
        finally:
            self._free.release()

    def close(self) -> None:
        """Stop the idle children (busy ones die with their pipes)."""
        with self._lock:
            idle, self._idle = self._idle, []
        for worker in idle:
            worker.kill()
