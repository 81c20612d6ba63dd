"""Run the writer in this process, make writes, and die by SIGKILL at one step of one of them.

    python crash_writer.py ROOT STORE STEP AT WRITES JOURNAL_BYTES

STEP is where to die (see STEPS), AT which write (1, 2, …; 0: while the writer starts), WRITES
how many to make. Prints `acked LABEL` for each write the writer answered 200, so the test knows
what was acknowledged before the kill. Nothing here is a hook in the writer: the steps are its own
functions, wrapped.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import seckg.writer
from seckg.config import Config
from seckg.journal import Journal
from seckg.live_store import LiveStore
from seckg.writer import Writer, WriterOptions

BASE = "https://w3id.org/seckg/"
ORGS = BASE + "graph/data/organizations/orgs"
COMMENT = "http://www.w3.org/2000/01/rdf-schema#comment"

STEPS = (
    "torn-append",  # half the journal record written: never acknowledged, must be dropped
    "appended",  # the record on disk, the database untouched: redone at start
    "applied",  # the database changed, no snapshot published
    "published",  # current.json points at it, the client not yet answered
    "before-rotation",  # the database flushed for a rotation, the journal not yet renamed
    "rotated",  # the journal renamed into the history, the directories not yet synced
)


def insert(label: str) -> str:
    return f'INSERT DATA {{ GRAPH <{ORGS}> {{ <{BASE}id/org/CSTO> <{COMMENT}> "{label}" }} }}'


def die() -> None:
    sys.stdout.flush()
    os.kill(os.getpid(), signal.SIGKILL)


def arm(step: str, armed) -> None:
    """Wrap the writer's own step so that, while `armed()`, the process dies there."""
    append, rotate, publish = Journal.append, Journal.rotate, LiveStore.publish
    apply_change, fsync_dir = seckg.writer.apply_change, seckg.journal._fsync_dir
    rotating = {"now": False}

    def torn_append(self, record):
        if not armed():
            return append(self, record)
        line = seckg.journal.json.dumps(record).encode() + b"\n"
        with self.path.open("ab") as handle:
            handle.write(line[: len(line) // 2])
            handle.flush()
            os.fsync(handle.fileno())
        die()

    def appended(self, record):
        append(self, record)
        if armed():
            die()

    def applied(store, change):
        apply_change(store, change)
        if armed():  # the first call of a commit is on the database
            die()

    def published(self, *args, **kwargs):
        publish(self, *args, **kwargs)
        if armed():
            die()

    def before_rotation(self, history):
        if armed():
            die()
        return rotate(self, history)

    def rotated_fsync(directory):
        if rotating["now"] and armed():
            die()  # the rename is done, its directory entries not yet synced
        fsync_dir(directory)

    def tracked_rotate(self, history):
        rotating["now"] = True
        try:
            return rotate(self, history)
        finally:
            rotating["now"] = False

    if step == "torn-append":
        Journal.append = torn_append
    elif step == "appended":
        Journal.append = appended
    elif step == "applied":
        seckg.writer.apply_change = applied
    elif step == "published":
        LiveStore.publish = published
    elif step == "before-rotation":
        Journal.rotate = before_rotation
    elif step == "rotated":
        Journal.rotate = tracked_rotate
        seckg.journal._fsync_dir = rotated_fsync
    elif step != "none":
        raise SystemExit(f"unknown step {step!r}: one of {', '.join(STEPS)} or none")


def main() -> None:
    root, store, step, at, writes, journal_bytes = sys.argv[1:7]
    at, writes = int(at), int(writes)
    making = {"write": 0}
    arm(step, lambda: making["write"] == at)
    writer = Writer(Config(root=Path(root)), LiveStore(Path(store)),
                    WriterOptions(rate="off", journal_bytes=int(journal_bytes)))
    writer.start()
    print("started", flush=True)
    for number in range(1, writes + 1):
        making["write"] = number
        label = f"w{number}"
        answer = writer.handle({"op": "update", "update": insert(label), "who": "crash-test"})
        if answer["status"] == 200:
            print(f"acked {label}", flush=True)
    print("done", flush=True)


if __name__ == "__main__":
    main()
