"""The write log as people and tools read it: who changed which graphs when, and with what request.

The records are in the history's closed segments and then in the journal
(journal.py, which the writer rotates into the history). Each change is there
as N-Quads too; they are left out unless asked for, since a reload of a large
file would drown the log.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from seckg.live_store import LiveStore


def _segments(history: Path) -> list[Path]:
    """Closed segments in order of their first generation (their names start with it)."""
    if not history.is_dir():
        return []
    found = [p for p in history.iterdir() if p.suffix == ".jsonl" and p.name.split("-", 1)[0].isdigit()]
    return sorted(found, key=lambda p: (int(p.name.split("-", 1)[0]), p.name))


def _lines(handle) -> Iterator[dict]:
    for line in handle:
        if line.endswith(b"\n"):  # a last line cut short by a crash was never acknowledged
            yield json.loads(line)


def history_records(live: LiveStore) -> Iterator[dict]:
    """Every record, oldest first, each once. The journal is opened before the segments are
    listed: if the writer rotates it meanwhile, its records are read through that handle (or
    in the new segment too, and skipped the second time: generations only grow)."""
    try:
        journal = live.journal.path.open("rb")
    except FileNotFoundError:
        journal = None
    seen = -1
    try:
        for segment in _segments(live.history):
            try:
                handle = segment.open("rb")
            except FileNotFoundError:  # archived away by its owner while this read
                continue
            with handle:
                for record in _lines(handle):
                    if record["generation"] > seen:
                        seen = record["generation"]
                        yield record
        if journal is not None:
            for record in _lines(journal):
                if record["generation"] > seen:
                    seen = record["generation"]
                    yield record
    finally:
        if journal is not None:
            journal.close()


def export_records(live: LiveStore, changes: bool = False) -> Iterator[dict]:
    for record in history_records(live):
        if not changes:
            record = {k: v for k, v in record.items() if k not in ("removed", "added")}
        yield record


def summary_line(record: dict) -> str:
    """One line per write: generation, time, who, what, and per graph how many triples went and came."""
    what = record["what"]
    if what["kind"] == "update":
        described = "SPARQL Update: " + " ".join(what["update"].split())[:120]
    elif what["kind"] == "graph-store":
        described = f"{what['method']} " + ("?default" if what.get("default") else f"<{what['graph']}>")
    else:
        described = "files: " + ", ".join(what["files"])
    graphs = "; ".join(f"{g} -{c['removed']} +{c['added']}" for g, c in record["graphs"].items())
    return f"{record['generation']:>6}  {record['time']}  {record['who']}  {described}  [{graphs}]"
