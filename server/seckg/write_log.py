"""The write log as people and tools read it: who changed which graphs when, and with what request.

The journal (journal.py) holds each change as N-Quads too; they are left out
unless asked for, since a reload of a large file would drown the log.
"""

from __future__ import annotations

from collections.abc import Iterator

from seckg.journal import Journal


def export_records(journal: Journal, changes: bool = False) -> Iterator[dict]:
    for record in journal.records():
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
