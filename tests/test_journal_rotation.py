"""The journal does not grow forever, and rotating it loses no write, whenever the writer dies.

Once the database holds a write durably, its journal record is needed only as history, so the
writer renames the journal into live/history/ (journal.py: `rotate`); `seckg write-log` and
`GET /writes/log` read the segments and then the journal. The crash tests run the writer in a
child process (crash_writer.py) that SIGKILLs itself at one step of one write, start it again on
the same store, and compare the store and the history with what was acknowledged.
"""

from __future__ import annotations

import gc
import json
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

from seckg.journal import Journal
from seckg.live_store import LiveStore
from seckg.write_log import history_records
from seckg.writer import Writer, WriterOptions

from crash_writer import COMMENT, STEPS, insert

pytestmark = pytest.mark.slow(30)

HELPER = Path(__file__).with_name("crash_writer.py")
WRITES = 5
CRASH_AT = 3
# Steps after which the write in flight is in the journal whole, so start-up redoes it.
JOURNALED = {"appended", "applied", "published", "before-rotation", "rotated"}


def run_writer(config, store: Path, step: str, at: int, writes: int, journal_bytes: int) -> tuple[int, list[str]]:
    """(the child's exit status, the labels it saw acknowledged)."""
    done = subprocess.run([sys.executable, str(HELPER), str(config.root), str(store), step, str(at), str(writes),
                           str(journal_bytes)], capture_output=True, text=True, timeout=300,
                          cwd=Path(__file__).parent)
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode, [line.split()[1] for line in done.stdout.splitlines() if line.startswith("acked ")]


def stored_labels(live: LiveStore) -> list[str]:
    store = live.open_current().store
    return sorted(q.object.value for q in store.quads_for_pattern(None, ox.NamedNode(COMMENT), None, None)
                  if q.object.value.startswith("w"))


def logged_labels(live: LiveStore) -> list[str]:
    """The labels the history says were written, in its order, with the generations checked."""
    records = list(history_records(live))
    generations = [r["generation"] for r in records]
    assert generations == sorted(set(generations)), "the history repeats or reorders a record"
    return [line.split('"')[1] for r in records if r["who"] == "crash-test" for line in r["added"].splitlines()]


def restart(config, live: LiveStore, **options) -> Writer:
    writer = Writer(config, live, WriterOptions(rate="off", **options))
    writer.start()
    return writer


def close(writer: Writer) -> None:
    writer.primary = writer.mirror = None
    gc.collect()  # closes the database


@pytest.mark.parametrize("step", STEPS)
def test_a_kill_at_any_step_of_a_write_loses_no_acknowledged_write(config, tmp_path, step):
    store = tmp_path / "store"
    status, acked = run_writer(config, store, step, CRASH_AT, WRITES, journal_bytes=1)  # rotate after each write
    assert status == -9, f"the writer was not killed at {step}"
    assert acked == [f"w{n}" for n in range(1, CRASH_AT)]
    expected = sorted(acked + ([f"w{CRASH_AT}"] if step in JOURNALED else []))

    live = LiveStore(store)
    writer = restart(config, live)
    assert stored_labels(live) == expected
    assert sorted(logged_labels(live)) == expected, "the write log and the store disagree"
    assert live.journal.size() == 0, "start-up did not move the redone journal into the history"
    # The writer goes on from there: a new write is stored and logged after the others.
    assert writer.handle({"op": "update", "update": insert("w9"), "who": "crash-test"})["status"] == 200
    assert stored_labels(live) == expected + ["w9"]
    assert logged_labels(live)[-1] == "w9"
    close(writer)


@pytest.mark.parametrize("step", ["appended", "rotated"])
def test_a_kill_while_start_up_rotates_the_redone_journal_loses_nothing(config, tmp_path, step):
    store = tmp_path / "store"
    status, acked = run_writer(config, store, "appended", CRASH_AT, WRITES, journal_bytes=10**9)
    assert status == -9 and acked == ["w1", "w2"]
    # Start again and die at start-up, once the redo is done (or while it renames the journal).
    status, _ = run_writer(config, store, step if step == "rotated" else "before-rotation", 0, 0, journal_bytes=10**9)
    assert status == -9
    live = LiveStore(store)
    writer = restart(config, live)
    assert stored_labels(live) == ["w1", "w2", "w3"]
    assert logged_labels(live) == ["w1", "w2", "w3"]
    close(writer)


def test_the_journal_stays_short_and_the_history_keeps_every_write(config, tmp_path):
    live = LiveStore(tmp_path / "store")
    limit = 4000
    writer = restart(config, live, journal_bytes=limit)
    longest = 0
    for number in range(1, 41):
        answer = writer.handle({"op": "update", "update": insert(f"w{number}"), "who": "crash-test"})
        assert answer["status"] == 200, answer
        longest = max(longest, live.journal.size())
    record = max(len(json.dumps(r)) for r in history_records(live)) + 1
    assert longest < limit + record, "the journal grew past its limit by more than one record"
    segments = sorted(live.history.iterdir())
    assert len(segments) >= 3, segments
    assert logged_labels(live) == [f"w{n}" for n in range(1, 41)]
    assert sum(p.stat().st_size for p in segments) + live.journal.size() >= 40 * 200  # every record kept
    close(writer)


def test_a_reader_sees_each_record_once_while_the_journal_is_rotated(tmp_path):
    live = LiveStore(tmp_path)
    for generation in (1, 2):
        live.journal.append({"generation": generation})
    live.journal.rotate(live.history)
    for generation in (3, 4):
        live.journal.append({"generation": generation})
    reading = history_records(live)
    assert next(reading)["generation"] == 1  # the journal is open, the segments listed
    live.journal.rotate(live.history)  # the writer rotates meanwhile,
    live.journal.append({"generation": 5})  # and starts a new journal
    assert [r["generation"] for r in reading] == [2, 3, 4]
    assert [r["generation"] for r in history_records(live)] == [1, 2, 3, 4, 5]
    assert [p.name for p in sorted(live.history.iterdir())] == ["0000000001-0000000002.jsonl",
                                                                "0000000003-0000000004.jsonl"]


def test_rotating_an_empty_journal_does_nothing(tmp_path):
    journal = Journal(tmp_path / "journal.jsonl")
    assert journal.rotate(tmp_path / "history") is None
    assert not (tmp_path / "history").exists()
