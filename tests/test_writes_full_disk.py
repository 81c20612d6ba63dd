"""A full disk while writing: the write is refused (507) whole, the store and the write log stay in
step, the next write goes through once there is space again, and no acknowledged write is lost.

The disk is real: the store lives on a small tmpfs mounted for the test (`mount -t tmpfs`, which
needs root or CAP_SYS_ADMIN, as CI has), filled with a file until the kernel says ENOSPC, then
given back a few bytes at a time, so that a big write meets the full disk inside the write log or
inside the database. The server holds a reserve of disk space to roll such a write back with (8 MiB
here); restarted with a reserve it cannot set aside, it refuses writes before touching anything. Where mounting is not permitted the test is skipped
(and says so): there is no honest way to fill a disk the test does not own.
"""

from __future__ import annotations

import json
import os
import subprocess
import urllib.parse
from pathlib import Path

import pytest

from seckg.live_store import LiveStore
from seckg.write_log import history_records

from live_server import request, write_repo
from logged_server import start, stop

TOKEN = "full-disk-0123456789-token"
BASE = "https://w3id.org/seckg/"
ORGS = BASE + "graph/data/organizations/orgs"
COMMENT = "http://www.w3.org/2000/01/rdf-schema#comment"
DISK_MB = 64
# Free bytes left on the disk before each big write: none, less than its write-log record, more than
# that but less than the database needs for it, and about enough.
LEFT_FREE = (0, 64 * 1024, 512 * 1024, 1024 * 1024, 2 * 1024 * 1024, 8 * 1024 * 1024)


@pytest.fixture
def small_disk(tmp_path):
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={DISK_MB}m,mode=0700", "tmpfs", str(disk)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs to fill (needs root): {mounted.stderr.strip()}")
    try:
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], capture_output=True)


def fill(disk: Path, leave: int) -> Path:
    """Fill the disk to the last byte, then free `leave` bytes of it again."""
    filler = disk / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    try:
        for block in (1 << 20, 1 << 12, 1):
            try:
                while True:
                    os.write(fd, b"\0" * block)
            except OSError as error:
                assert error.errno == 28, error  # ENOSPC
        if leave:
            os.ftruncate(fd, max(0, os.fstat(fd).st_size - leave))
    finally:
        os.close(fd)
    return filler


def big_insert(label: str, triples: int = 1500) -> bytes:
    lines = " ".join(f'<{BASE}id/org/CSTO> <{COMMENT}> "{label} {i:05d} {"x" * 60}" .' for i in range(triples))
    return f"INSERT DATA {{ GRAPH <{ORGS}> {{ {lines} }} }}".encode()


def big_labels(label: str) -> set[str]:
    """What big_insert(label) adds."""
    return {f'{label} {i:05d} {"x" * 60}' for i in range(1500)}


def small_insert(label: str) -> bytes:
    return f'INSERT DATA {{ GRAPH <{ORGS}> {{ <{BASE}id/org/CSTO> <{COMMENT}> "{label}" }} }}'.encode()


def write(base: str, body: bytes) -> tuple[int, bytes]:
    status, _, answer = request(base + "/update", body, {"Authorization": f"Bearer {TOKEN}",
                                                         "Content-Type": "application/sparql-update"})
    return status, answer


def comments(base: str) -> set[str]:
    query = f"SELECT ?c WHERE {{ <{BASE}id/org/CSTO> <{COMMENT}> ?c }}"
    status, _, body = request(base + "/sparql?" + urllib.parse.urlencode({"query": query}),
                              headers={"Accept": "application/sparql-results+json"})
    assert status == 200, body
    return {row["c"]["value"] for row in json.loads(body)["results"]["bindings"]}


def state(base: str) -> tuple[int, bytes]:
    """The generation and the graph's triples, as a client sees them."""
    generation = json.loads(request(base + "/store/status")[2])["generation"]
    graph = request(f"{base}/data?graph={urllib.parse.quote(ORGS, safe='')}", headers={"Accept": "application/n-triples"})
    return generation, graph[2]


def journal_records(store: Path) -> list[dict]:
    """The write log: the history's segments, then the journal (see write_log.py)."""
    journal = store / "live" / "journal.jsonl"
    data = journal.read_bytes() if journal.exists() else b""
    assert not data or data.endswith(b"\n"), "the write log ends in the middle of a record"
    return list(history_records(LiveStore(store)))


def test_a_full_disk_refuses_the_write_whole_and_loses_nothing(small_disk, tmp_path):
    root = write_repo(tmp_path / "repo")
    tokens = tmp_path / "tokens"
    tokens.write_text(f"writer:{TOKEN}\n")
    store = small_disk / "store"
    log = tmp_path / "server.log"
    args = ("--store", str(store), "--write-tokens", str(tokens), "--workers", "2", "--write-rate", "off")
    acked: set[str] = set()
    refused: dict[str, str] = {}  # label -> where it failed

    process, base = start(root, log, *args, env={"SECKG_WRITE_RESERVE_MB": "8"})
    try:
        assert write(base, small_insert("before"))[0] == 200
        acked.add("before")
        for leave in LEFT_FREE:
            filler = fill(small_disk, leave)
            for label, body, added in ((f"big {leave}", big_insert(f"big {leave}"), big_labels(f"big {leave}")),
                                       (f"while full {leave}", small_insert(f"while full {leave}"),
                                        {f"while full {leave}"})):
                before, journal_before = state(base), (store / "live" / "journal.jsonl").read_bytes()
                status, answer = write(base, body)
                if status == 200:
                    acked |= added
                    continue
                assert status == 507, answer
                assert b"disk holding the store is full" in answer and b"nothing was changed" in answer, answer
                refused[label] = answer.decode().strip()
                assert state(base) == before, "a refused write changed what clients see"
                assert (store / "live" / "journal.jsonl").read_bytes() == journal_before, \
                    "a refused write left something in the write log"
            filler.unlink()
            status, answer = write(base, small_insert(f"after {leave}"))
            assert status == 200, (leave, answer)  # space is back: writes go through again
            acked.add(f"after {leave}")
            assert comments(base) == acked
    finally:
        stop(process)
    assert "big 0" in refused, "a write on a disk with no byte free was accepted"
    print(f"\nrefused on the full disk: {json.dumps(refused, indent=1)}")
    records = journal_records(store)
    assert [r["generation"] for r in records] == sorted({r["generation"] for r in records})
    logged = {line.split('"')[1] for r in records for line in r["added"].splitlines()}
    assert logged == acked, "the write log and the acknowledged writes differ"

    # Restarted on the same store, on a disk too full for a bigger reserve: everything acknowledged
    # is there, and writes are refused before they touch anything until the reserve can be kept.
    filler = fill(small_disk, 4 * 1024 * 1024)
    process, base = start(root, log, *args, env={"SECKG_WRITE_RESERVE_MB": "16"})
    try:
        assert comments(base) == acked
        before = state(base)
        status, answer = write(base, small_insert("below the reserve"))
        assert status == 507 and b"in reserve to undo a failed write" in answer, answer
        assert state(base) == before
        filler.unlink()
        assert write(base, small_insert("above the reserve"))[0] == 200
        assert comments(base) == acked | {"above the reserve"}
    finally:
        stop(process)
    assert "Traceback" not in log.read_text(errors="replace")
