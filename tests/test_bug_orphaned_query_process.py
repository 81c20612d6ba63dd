"""Bug: when a gunicorn worker was killed outright (SIGKILL, the OOM killer), the query process it had
forked went on computing a runaway query for nobody, since nothing was left to kill it at the deadline.
A query process now exits within about a second of its parent's death."""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from pathlib import Path

import pyoxigraph as ox

from seckg.executor import Job, QueryRunner
from seckg.store import EmbeddedStore


def _worker(report) -> None:
    store = ox.Store()
    store.extend([ox.Quad(ox.NamedNode(f"http://example.org/{i}"), ox.NamedNode("http://example.org/p"),
                          ox.Literal(str(i)), ox.NamedNode("http://example.org/g")) for i in range(300)])
    runner = QueryRunner(lambda: EmbeddedStore(store), slots=1)
    slow = Job("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }")
    threading.Thread(target=runner.run, args=(slow, 600), daemon=True).start()
    while not multiprocessing.active_children():
        time.sleep(0.05)
    report.put(multiprocessing.active_children()[0].pid)
    time.sleep(600)


def running(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except OSError:
        return False


def test_the_query_process_of_a_killed_worker_stops():
    context = multiprocessing.get_context("fork")
    report = context.Queue()
    worker = context.Process(target=_worker, args=(report,))
    worker.start()
    child = report.get(timeout=60)
    time.sleep(0.5)
    assert running(child)
    os.kill(worker.pid, signal.SIGKILL)
    worker.join()
    deadline = time.monotonic() + 15
    while running(child) and time.monotonic() < deadline:
        time.sleep(0.1)
    still = running(child)
    if still:
        os.kill(child, signal.SIGKILL)  # do not leave it behind when the test fails
    assert not still, "the query process outlived its worker"
