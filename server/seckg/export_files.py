"""Writes the graphs of the store back to their files under data/, so accepted writes become a git diff.

Each graph `{base}graph/data/<path>` is the file `data/<path>.ttl`. A file is
rewritten (in canonical Turtle, see canonical.py) only when its triples differ
from the graph's: a file whose content is unchanged keeps its layout and its
comments. A data file whose graph no longer exists (dropped with DELETE) is
removed, and a graph without a file gets one. Other graphs (the ontology) are
not touched: they are edited as files.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph
from rdflib.compare import isomorphic

from seckg.canonical import canonical_turtle
from seckg.config import Config
from seckg.loading import data_files, parse_file, relative
from seckg.terms import to_rdflib
from seckg.transactions import data_file_of, graph_exists


@dataclass(frozen=True)
class FileOutcome:
    path: Path  # relative to the root
    action: str  # "wrote", "unchanged", "removed"


def _rdflib(quads) -> Graph:
    graph = Graph()
    for q in quads:
        graph.add((to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)))
    return graph


def export_to_files(config: Config, store: ox.Store) -> list[FileOutcome]:
    """Bring data/ in line with the data graphs of `store`; what was done to each file."""
    outcomes = []
    graphs = {g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode) and graph_exists(store, g.value)}
    wanted = {}
    for graph in graphs:
        rel = data_file_of(config, graph)
        if rel is not None:
            wanted[rel.as_posix()] = graph
    for path in data_files(config):
        rel = relative(config, path).as_posix()
        if rel not in wanted:
            path.unlink()
            outcomes.append(FileOutcome(Path(rel), "removed"))
    for rel, graph in sorted(wanted.items()):
        path = config.root / rel
        content = _rdflib(store.quads_for_pattern(None, None, None, ox.NamedNode(graph)))
        previous = None
        if path.exists():
            on_disk = parse_file(config, path, graph)
            if isinstance(on_disk, list) and isomorphic(_rdflib(on_disk), content):
                outcomes.append(FileOutcome(Path(rel), "unchanged"))
                continue
            previous = path.read_text(encoding="utf-8")  # its comments and sections are kept
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".partial")
        partial.write_text(canonical_turtle(content, previous=previous, base=config.base), encoding="utf-8")
        partial.replace(path)
        outcomes.append(FileOutcome(Path(rel), "wrote"))
    return outcomes
