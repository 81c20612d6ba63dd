"""Faults on a live server: a gunicorn worker or a query process killed outright (SIGKILL) in the
middle of a query. The server replaces what was killed, the next request gets a correct answer, and
nothing killed leaves a runaway query computing for nobody.

Processes are found through /proc (Linux): the master is the `seckg serve` process listening on the
test's port, its children are the workers, and theirs are the query processes.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
import urllib.parse
from pathlib import Path

import pytest

from crowd import crowd_turtle
from live_server import request, serving, write_repo

SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
NORMAL = "/api/members-on-date?" + urllib.parse.urlencode(
    {"org": "https://w3id.org/seckg/id/org/CSTO", "date": "2007-01-01"})


def children(pid: int) -> set[int]:
    found = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found |= {int(c) for c in (task / "children").read_text().split()}
        except OSError:
            continue
    return found


def alive(pid: int) -> bool:
    """Running or sleeping; a zombie waiting to be reaped has stopped computing."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def master_of(base: str) -> int:
    port = base.rsplit(":", 1)[1]
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            args = cmdline.read_bytes().split(b"\0")
        except OSError:
            continue
        if b"serve" in args and b"--port" in args and args[args.index(b"--port") + 1] == port.encode():
            return int(cmdline.parent.name)
    raise AssertionError(f"no seckg serve process on port {port}")


def answers_correctly(base: str) -> bool:
    status, _, body = request(base + NORMAL)
    return status == 200 and [r["memberLabel"]["value"] for r in json.loads(body)["results"]["bindings"]] \
        == ["Armenia", "Kazakhstan"]


def wait_for(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return condition()


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    root = write_repo(tmp_path_factory.mktemp("faults"), {"data/states/crowd.ttl": crowd_turtle()})
    with serving(root, "--workers", "2", "--timeout", "60") as live:
        yield live


def start_slow_query(base: str) -> tuple[threading.Thread, list]:
    outcome: list = []

    def ask():
        try:
            outcome.append(request(base + "/sparql", data=SLOW.encode(),
                                   headers={"Content-Type": "application/sparql-query"}))
        except OSError as error:  # the connection died with the worker
            outcome.append(error)

    thread = threading.Thread(target=ask, daemon=True)
    thread.start()
    return thread, outcome


def busy_query_processes(workers: set[int]) -> set[int]:
    """Query processes that are computing (state R) under the given workers."""
    found = set()
    for worker in workers:
        for child in children(worker):
            try:
                if Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()[0] == "R":
                    found.add(child)
            except OSError:
                continue
    return found


def kill_during_slow_query(base: str, workers: set[int], which) -> tuple[set[int], list]:
    """Start the slow query, SIGKILL the processes `which(workers, busy query processes)` names once
    it computes, and wait for its request to end; returns the busy query processes and the outcome."""
    thread, outcome = start_slow_query(base)
    assert wait_for(lambda: busy_query_processes(workers), 30), "the slow query never started"
    busy = busy_query_processes(workers)
    for pid in which(workers, busy):
        os.kill(pid, signal.SIGKILL)
    thread.join(timeout=60)
    return busy, outcome


def test_a_worker_killed_mid_query_is_replaced_and_its_query_stops(base):
    assert answers_correctly(base)
    master = master_of(base)
    # gunicorn may still be forking (or replacing) a worker when the first answer comes back.
    assert wait_for(lambda: len(children(master)) == 2, 60), children(master)
    workers = children(master)
    running, outcome = kill_during_slow_query(base, workers, lambda workers, busy: workers)
    assert outcome and (isinstance(outcome[0], OSError) or outcome[0][0] >= 500)  # that request is lost
    assert wait_for(lambda: len(children(master) - workers) == 2, 60), "gunicorn did not replace the workers"
    assert wait_for(lambda: answers_correctly(base), 60)
    # The runaway query of the killed worker does not go on computing.
    assert wait_for(lambda: not any(alive(pid) for pid in running), 15), [pid for pid in running if alive(pid)]


def test_a_query_process_killed_mid_query_is_replaced(base):
    assert answers_correctly(base)
    workers = children(master_of(base))
    killed, outcome = kill_during_slow_query(base, workers, lambda workers, busy: busy)
    status, _, body = outcome[0]
    assert status == 500 and b"the query process died" in body
    for _ in range(4):  # every query slot of both workers answers again
        assert answers_correctly(base)
    assert children(master_of(base)) == workers  # the workers themselves were untouched
    assert not any(alive(pid) for pid in killed)
