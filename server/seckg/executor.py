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

import io
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import pyoxigraph as ox

from seckg.sparql_guard import QueryInfo, QueryRejected
from seckg.store import GraphStore


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


def execute(store: GraphStore, job: Job) -> Answer:
    """Run `job` on `store` in this process; errors become statuses, never exceptions."""
    try:
        answer = store.query(
            job.sparql, default_graph=job.default_graph, named_graphs=job.named_graphs, base_iri=job.base_iri,
            allow_service=job.allow_service, checked=job.checked,
        )
    except SyntaxError as error:
        return Answer(400, message=f"malformed query: {error}")
    except QueryRejected as error:
        return Answer(400, message=str(error))
    except ValueError as error:  # e.g. a graph IRI pyoxigraph will not take
        return Answer(400, message=str(error))
    except OSError as error:
        return Answer(500, message=f"query failed: {error}")
    kind = "graph" if isinstance(answer, ox.QueryTriples) else "results"
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
            return Answer(
                422,
                message=f"the answer is larger than {job.max_bytes} bytes, the limit of this server; "
                "ask for less (LIMIT/OFFSET, fewer variables) or a more compact format",
            )
        return Answer(500, message=f"query evaluation failed: {error}")
    return Answer(200, body=b"".join(out.parts), kind=kind)


def _child(conn, open_store: Callable[[], GraphStore]) -> None:
    """Child loop: answer jobs until the parent closes the pipe."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # gunicorn's handlers were inherited
    store = open_store()
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        conn.send(execute(store, job))


class _Worker:
    def __init__(self, ctx, open_store):
        self.conn, child_conn = ctx.Pipe()
        self.process = ctx.Process(target=_child, args=(child_conn, open_store), daemon=True)
        self.process.start()
        child_conn.close()

    def kill(self) -> None:
        try:
            os.kill(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.join()
        self.conn.close()


class QueryRunner:
    """At most `slots` concurrent queries per process, each in a child killed at its deadline."""

    def __init__(self, open_store: Callable[[], GraphStore], slots: int = 2, queue_wait: float = 2.0):
        self.open_store = open_store
        self.slots = slots
        self.queue_wait = queue_wait
        self._ctx = multiprocessing.get_context("fork")
        self._reset()

    def _reset(self) -> None:
        self._pid = os.getpid()
        self._idle: list[_Worker] = []
        self._lock = threading.Lock()
        self._free = threading.BoundedSemaphore(self.slots)
        self.killed = 0  # children killed at a deadline, for tests and logs

    def _check_fork(self) -> None:
        """A runner inherited by a forked process (a gunicorn worker) starts with no children of its own."""
        if os.getpid() != self._pid:
            self._reset()

    def run(self, job: Job, timeout: float) -> Answer:
        """The answer to `job`, or a 503 Answer if it took longer than `timeout` seconds.

        Raises `Busy` when no slot frees up within `queue_wait` seconds.
        """
        self._check_fork()
        if not self._free.acquire(timeout=self.queue_wait):
            raise Busy(f"all {self.slots} query slots are busy")
        try:
            with self._lock:
                worker = self._idle.pop() if self._idle else None
            if worker is None or not worker.process.is_alive():
                worker = _Worker(self._ctx, self.open_store)
            try:
                worker.conn.send(job)
                ready = worker.conn.poll(timeout)
                answer = worker.conn.recv() if ready else None
            except (EOFError, OSError, BrokenPipeError):
                worker.kill()
                return Answer(500, message="the query process died (out of memory?); nothing was returned")
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
