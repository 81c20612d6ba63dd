"""Every acknowledged write survives kill -9 of the whole server, and no write is ever half there.

Three clients stream writes at a server with an on-disk store; once enough of them have been
acknowledged the server's process group (gunicorn master, workers, query children, the writer)
is killed with SIGKILL while requests are still in flight. The server is started again on the
same store, and what is there is compared with what was acknowledged. Each write puts one
triple into each of two files' graphs, so a write applied by halves would show.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
import urllib.parse

from live_server import request, serving, write_repo
from logged_server import start

TOKEN = "durability-0123456789-token"
BASE = "https://w3id.org/seckg/"
ORGS = BASE + "graph/data/organizations/orgs"
MEMBERSHIPS = BASE + "graph/data/memberships/memberships"
COMMENT = "http://www.w3.org/2000/01/rdf-schema#comment"
ROUNDS = int(os.environ.get("SECKG_DURABILITY_ROUNDS", "2"))  # more for a longer run by hand
ACKS_BEFORE_KILL = 15


def start_in_own_group(root, store, tokens) -> tuple[subprocess.Popen, str]:
    return start(root, None, "--workers", "2", "--store", str(store), "--write-tokens", str(tokens), own_group=True)


def write(base: str, label: str) -> int:
    text = (f'INSERT DATA {{ GRAPH <{ORGS}> {{ <{BASE}id/org/CSTO> <{COMMENT}> "{label}" }} '
            f'GRAPH <{MEMBERSHIPS}> {{ <{BASE}id/state/ARM> <{COMMENT}> "{label}" }} }}')
    return request(base + "/update", text.encode(), {"Authorization": f"Bearer {TOKEN}",
                                                     "Content-Type": "application/sparql-update"})[0]


def stream(base: str, client: int, round_: int, sent: list, acked: list, stop: threading.Event) -> None:
    number = 0
    while not stop.is_set():
        label = f"r{round_}-c{client}-w{number}"
        number += 1
        sent.append(label)
        try:
            status = write(base, label)
        except OSError:  # the server is gone
            return
        if status == 200:
            acked.append(label)


def comments(base: str, graph: str) -> set[str]:
    query = f"SELECT ?c WHERE {{ GRAPH <{graph}> {{ ?s <{COMMENT}> ?c }} }}"
    status, _, body = request(base + "/sparql?" + urllib.parse.urlencode({"query": query}))
    assert status == 200, body
    return {b["c"]["value"] for b in json.loads(body)["results"]["bindings"]}


def test_acknowledged_writes_survive_kill_9(tmp_path):
    root = write_repo(tmp_path / "repo")
    tokens = tmp_path / "tokens"
    tokens.write_text(f"loader:{TOKEN}\n")
    store = tmp_path / "store"
    sent: list[str] = []
    acked: list[str] = []
    for round_ in range(ROUNDS):
        process, base = start_in_own_group(root, store, tokens)
        stop = threading.Event()
        clients = [threading.Thread(target=stream, args=(base, c, round_, sent, acked, stop)) for c in range(3)]
        target = len(acked) + ACKS_BEFORE_KILL
        for thread in clients:
            thread.start()
        try:
            deadline = time.monotonic() + 300
            while len(acked) < target:
                assert time.monotonic() < deadline, f"only {len(acked)} writes acknowledged"
                assert process.poll() is None, "the server died by itself"
                time.sleep(0.01)
        finally:
            os.killpg(process.pid, signal.SIGKILL)  # mid-stream: other writes are in flight
            process.wait()
            stop.set()
            for thread in clients:
                thread.join()
    with serving(root, "--store", str(store), "--write-tokens", str(tokens)) as base:
        in_orgs, in_memberships = comments(base, ORGS), comments(base, MEMBERSHIPS)
    print(f"\n{len(sent)} writes sent, {len(acked)} acknowledged, {len(in_orgs)} present after "
          f"{ROUNDS} kill -9")
    assert set(acked) <= in_orgs  # nothing acknowledged was lost
    assert in_orgs == in_memberships  # no write is there by halves
    assert in_orgs <= set(sent)  # nothing appeared that was not sent
