"""The on-disk layout of a writable store, shared by the writer process and the web workers.

One process, the writer, owns the read-write Oxigraph database (`primary/`).
RocksDB must not be read by one process while another writes it, so readers
never open `primary/`: after every accepted change the writer takes a
checkpoint of it (`snapshots/<generation>/`, hard links, a few milliseconds)
and then points `current.json` at it. A snapshot is never written again, so
any number of query processes can open it read-only. `current.json` is
replaced atomically and carries the generation (a number that grows with
every accepted write and reload, for caches to key on) and the per-graph
triple counts the workers describe the dataset with.

    DIR/live/primary/        the database (writer only)
    DIR/live/snapshots/N/    checkpoint N, read-only for everyone
    DIR/live/current.json    {"generation": N, "snapshot": "snapshots/N", "graphs": {...}, "union": n}
    DIR/live/journal.jsonl   the write log's newest records, the redo log (see journal.py)
    DIR/live/history/        the write log's older records, one closed segment per rotation
    DIR/live/files.json      hash of each source file as last loaded, to tell which files changed
    DIR/live/status.json     the last reload from the files: accepted, or why not
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pyoxigraph as ox

from seckg.journal import Journal, write_atomically
from seckg.store import EmbeddedStore, GraphStore


class LiveStore:
    def __init__(self, directory: Path):
        self.root = Path(directory) / "live"

    @property
    def primary(self) -> Path:
        return self.root / "primary"

    @property
    def snapshots(self) -> Path:
        return self.root / "snapshots"

    @property
    def journal(self) -> Journal:
        return Journal(self.root / "journal.jsonl")

    @property
    def history(self) -> Path:
        return self.root / "history"

    @property
    def current_file(self) -> Path:
        return self.root / "current.json"

    @property
    def status_file(self) -> Path:
        return self.root / "status.json"

    @property
    def synced_file(self) -> Path:
        return self.root / "files.json"

    def snapshot_dir(self, generation: int) -> Path:
        return self.snapshots / f"{generation:08d}"

    def read_current(self) -> dict | None:
        try:
            return json.loads(self.current_file.read_text())
        except FileNotFoundError:
            return None

    def publish(self, generation: int, graphs: dict[str, int], union: int) -> None:
        """Point readers at snapshot `generation` (which must exist)."""
        record = {"generation": generation, "snapshot": self.snapshot_dir(generation).relative_to(self.root).as_posix(),
                  "graphs": graphs, "union": union}
        self.write_current(record)

    def write_current(self, record: dict) -> None:
        write_atomically(self.current_file, json.dumps(record, indent=1) + "\n")

    def open_current(self) -> GraphStore:
        """A read-only handle on the snapshot `current.json` points at now."""
        current = self.read_current()
        if current is None:
            raise FileNotFoundError(f"{self.current_file} does not exist: the writer has not started")
        return EmbeddedStore(ox.Store.read_only(str(self.root / current["snapshot"])))

    def drop_snapshots(self, keep: set[int]) -> None:
        if not self.snapshots.is_dir():
            return
        for entry in self.snapshots.iterdir():
            if entry.name.isdigit() and int(entry.name) not in keep:
                shutil.rmtree(entry, ignore_errors=True)

    def read_synced(self) -> dict[str, str]:
        try:
            return json.loads(self.synced_file.read_text())
        except FileNotFoundError:
            return {}

    def write_synced(self, hashes: dict[str, str]) -> None:
        write_atomically(self.synced_file, json.dumps(dict(sorted(hashes.items())), indent=1) + "\n")

    def read_status(self) -> dict:
        try:
            return json.loads(self.status_file.read_text())
        except (FileNotFoundError, ValueError):
            return {}

    def write_status(self, status: dict) -> None:
        write_atomically(self.status_file, json.dumps(status, indent=1, ensure_ascii=False) + "\n")


class LiveView:
    """What a web worker knows of the writable store: `current.json`, re-read when it changes.

    Every request checks it (one stat), so a write acknowledged by any worker is
    seen by the next request to every worker.
    """

    def __init__(self, live: LiveStore):
        self.live = live
        self._signature: tuple | None = None
        self._current: dict = {"generation": 0, "graphs": {}, "union": 0}

    def current(self) -> dict:
        try:
            stat = os.stat(self.live.current_file)
        except FileNotFoundError:
            return self._current
        signature = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
        if signature != self._signature:
            record = self.live.read_current()
            if record is not None:
                self._current, self._signature = record, signature
        return self._current

    def generation(self) -> int:
        return int(self.current()["generation"])
