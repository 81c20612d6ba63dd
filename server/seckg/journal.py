"""The write log: one JSON line per accepted change, on disk before the change is acknowledged.

It serves two ends. It is the redo log that makes a write atomic across a crash:
the writer appends the record (and fsyncs it) before touching the store, so
after a `kill -9` the last record is applied again on start-up; applying a
change twice is harmless because it is a set of quads removed and a set of
quads added. And it is the record of who changed what and when (a token's
name, never the token), which `seckg write-log` and `GET /writes/log` export.

A record cut short by a crash was never acknowledged: `recover` drops it.

Only the last record is ever needed for recovery, so the journal does not keep
the rest: once the database has its records durably, `rotate` renames the file
into the history directory as a closed segment, and the next record starts a
new journal. The history is kept whole (write_log.py reads the segments, then the
journal); nothing is copied, so a rotation needs no free space and cannot be
half done.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox


def quads_text(quads) -> str:
    """N-Quads in a stable order; blank node ids are kept, as the store knows them."""
    return "".join(sorted(f"{q} .\n" for q in quads))


def quads_from(text: str) -> list[ox.Quad]:
    if not text:
        return []
    return list(ox.parse(text.encode(), format=ox.RdfFormat.N_QUADS))


class Journal:
    def __init__(self, path: Path):
        self.path = Path(path)

    def recover(self) -> int:
        """Cut off a last line left unfinished by a crash; the number of bytes dropped."""
        if not self.path.exists():
            return 0
        data = self.path.read_bytes()
        good = len(data)
        if data and not data.endswith(b"\n"):
            good = data.rfind(b"\n") + 1
        elif data:
            last = data[data.rfind(b"\n", 0, len(data) - 1) + 1:]
            try:
                json.loads(last)
            except ValueError:
                good = len(data) - len(last)
        if good < len(data):
            with self.path.open("r+b") as handle:
                handle.truncate(good)
                os.fsync(handle.fileno())
        return len(data) - good

    def append(self, record: dict) -> None:
        """Write one record and wait until it is on disk."""
        line = (json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n").encode()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        new = not self.path.exists()
        with self.path.open("ab") as handle:
            handle.write(line)
            handle.flush()
            os.fsync(handle.fileno())
        if new:
            _fsync_dir(self.path.parent)

    def size(self) -> int:
        try:
            return self.path.stat().st_size
        except FileNotFoundError:
            return 0

    def truncate(self, size: int) -> None:
        """Cut the journal back to `size` bytes (what it held before a record that failed to be
        written or applied); shrinking a file needs no free space."""
        if self.size() <= size:
            return
        with self.path.open("r+b") as handle:
            handle.truncate(size)
            os.fsync(handle.fileno())

    def records(self) -> Iterator[dict]:
        if not self.path.exists():
            return
        with self.path.open("rb") as handle:
            for line in handle:
                if line.endswith(b"\n"):
                    yield json.loads(line)

    def last(self) -> dict | None:
        last = None
        for last in self.records():
            pass
        return last

    def rotate(self, history: Path) -> Path | None:
        """Move every record into `history` as a closed segment named by its first and last
        generations; the journal is then empty. Call it only once the database holds the records
        durably: a crash before the rename keeps the journal (its last record is redone, harmless),
        one after it finds none to redo. None when there was nothing to move."""
        first = next(self.records(), None)
        last = self.last()
        if first is None or last is None:
            return None
        history.mkdir(parents=True, exist_ok=True)
        segment = history / f"{int(first['generation']):010d}-{int(last['generation']):010d}.jsonl"
        if segment.exists():  # never replace history: the same generations again would be a bug, kept apart
            segment = segment.with_name(f"{segment.stem}.{os.getpid()}-{self.size()}.jsonl")
        os.rename(self.path, segment)
        _fsync_dir(history)
        _fsync_dir(self.path.parent)
        return segment


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomically(path: Path, text: str) -> None:
    """Replace `path` with `text` so a reader (or a crash) sees the old file or the new one, never half."""
    path = Path(path)
    partial = path.with_name(path.name + ".partial")
    with partial.open("w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    partial.replace(path)
    _fsync_dir(path.parent)
