"""The one interface the CLI and the web app use to ask the graph questions, and its embedded store.

`GraphStore` is what the rest of the package programs against; it has two
implementations: `EmbeddedStore` here (Oxigraph in this process, in memory or
on disk) and `seckg.remote.RemoteStore` (any SPARQL 1.1 endpoint). Both query
the union of the named graphs by default, because each source file is its own
graph but questions are about the whole knowledge graph.
"""

from __future__ import annotations

import gc
import hashlib
import json
import shutil
from abc import ABC, abstractmethod
from collections.abc import Callable, Collection, Iterable, Sequence
from pathlib import Path

import pyoxigraph as ox

from seckg.config import Config
from seckg.loading import LoadedGraph, data_files, load, ontology_files, relative, shape_files
from seckg.sparql_guard import QueryInfo, check_query

_TRIPLES_PER_GRAPH = """
SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g
"""
_INSTANCES_PER_CLASS = """
SELECT ?class (COUNT(DISTINCT ?s) AS ?n)
WHERE { ?s a ?class } GROUP BY ?class ORDER BY DESC(?n) ?class
"""
_UNION_SIZE = "SELECT (COUNT(*) AS ?n) { SELECT DISTINCT ?s ?p ?o { ?s ?p ?o } }"
_UNION = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"

QueryAnswer = ox.QuerySolutions | ox.QueryBoolean | Iterable[ox.Triple]


class StoreUnavailable(RuntimeError):
    """The store could not answer (unreachable, failed, timed out); `status` is the HTTP status to give."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


class AnswerTooLarge(RuntimeError):
    """The store's answer is larger than this server passes on."""


def is_graph_answer(answer: QueryAnswer) -> bool:
    """Whether an answer is RDF triples (CONSTRUCT, DESCRIBE) rather than solutions or a boolean."""
    return not isinstance(answer, (ox.QuerySolutions, ox.QueryBoolean))


class GraphStore(ABC):
    """Read-only SPARQL over the loaded graphs; SERVICE is refused (see sparql_guard)."""

    @staticmethod
    def from_loaded(loaded: LoadedGraph) -> EmbeddedStore:
        return EmbeddedStore(loaded.store)

    @abstractmethod
    def query(
        self,
        sparql: str,
        default_graph: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
        base_iri: str | None = None,
        allow_service: Collection[str] = (),
        checked: QueryInfo | None = None,
    ) -> QueryAnswer:
        """Run a SPARQL query over the union of all named graphs, or over the given dataset.

        `default_graph` / `named_graphs` (graph IRIs, as in the SPARQL
        Protocol's default-graph-uri / named-graph-uri) replace the dataset,
        including one set by FROM in the query. Raises `QueryRejected` for
        SERVICE (unless its endpoint is in `allow_service`), `SyntaxError` with
        the parser's message for malformed queries (updates included),
        `StoreUnavailable` and `AnswerTooLarge`. CONSTRUCT and DESCRIBE give
        an iterable of `ox.Triple` (see `is_graph_answer`). `checked` is what
        `check_query` already found in this very text with the same
        `allow_service` (the web layer checks before queueing), so a long query
        is not tokenized twice.
        """

    @abstractmethod
    def graph_names(self) -> list[str]:
        """IRIs of the named graphs: the dataset a query may name in FROM or default-graph-uri."""

    @abstractmethod
    def quads(self) -> Iterable[ox.Quad]:
        """Every triple of every named graph, with its graph: what a TriG or N-Quads dump holds."""

    def triples(self) -> Iterable[ox.Triple]:
        """The default graph queries see: the distinct triples of all named graphs."""
        return self.query(_UNION)

    def triples_per_graph(self) -> dict[str, int]:
        """Triple count of each named graph (one per source file)."""
        return {row["g"].value: int(row["n"].value) for row in self.query(_TRIPLES_PER_GRAPH)}

    def instances_per_class(self) -> dict[str, int]:
        """How many distinct resources are typed with each class (asserted types only)."""
        return {
            row["class"].value: int(row["n"].value)
            for row in self.query(_INSTANCES_PER_CLASS)
            if isinstance(row["class"], ox.NamedNode)
        }

    def union_size(self) -> int:
        """Distinct triples in the union of the graphs: the size of the default graph queries see."""
        return int(next(iter(self.query(_UNION_SIZE)))["n"].value)

    def __len__(self) -> int:
        """Number of quads, i.e. triples summed over all named graphs."""
        return sum(self.triples_per_graph().values())

    def modified(self, config: Config) -> float:
        """When the data served last changed, as a POSIX time (for Last-Modified and VoID)."""
        return sources_modified(config)


class EmbeddedStore(GraphStore):
    """An Oxigraph store in this process: the graphs loaded from the files, in memory or on disk."""

    def __init__(self, store: ox.Store):
        self.store = store

    def query(self, sparql, default_graph=None, named_graphs=None, base_iri=None, allow_service=(), checked=None):
        info = checked if checked is not None else check_query(sparql, allow_service)
        options: dict = {"base_iri": base_iri}
        if default_graph is not None:
            options["default_graph"] = [ox.NamedNode(g) for g in default_graph]
        if named_graphs is not None:
            options["named_graphs"] = [ox.NamedNode(g) for g in named_graphs]
        if default_graph is None and named_graphs is None and not (info.from_graphs or info.from_named):
            options["use_default_graph_as_union"] = True  # Oxigraph would otherwise ignore FROM
        return self.store.query(sparql, **options)

    def graph_names(self) -> list[str]:
        return sorted(g.value for g in self.store.named_graphs() if isinstance(g, ox.NamedNode))

    def quads(self) -> Iterable[ox.Quad]:
        return self.store.quads_for_pattern(None, None, None, None)

    def __len__(self) -> int:
        return len(self.store)


def sources_modified(config: Config) -> float:
    """When the ontology and data files last changed, as a POSIX time."""
    times = [p.stat().st_mtime for p in (*ontology_files(config), *data_files(config))]
    return max(times, default=0.0)


_FINGERPRINT = "sources.sha256"
_DATABASE = "oxigraph"
_STATS = "stats.json"


def sources_fingerprint(config: Config) -> str:
    """A hash of every source file's path and bytes and of the base IRI: equal hashes, same graph."""
    digest = hashlib.sha256(config.base.encode())
    for path in [*ontology_files(config), *data_files(config), *shape_files(config)]:
        digest.update(relative(config, path).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def stored_fingerprint(directory: Path) -> str | None:
    """The fingerprint of the sources an on-disk store was built from, None if it holds none."""
    marker = Path(directory) / _FINGERPRINT
    return marker.read_text().strip() if marker.is_file() and (Path(directory) / _DATABASE).is_dir() else None


def _readable(loaded: LoadedGraph) -> bool:
    return loaded.ok


def build_on_disk(config: Config, directory: Path, fingerprint: str,
                  accept: Callable[[LoadedGraph], bool] = _readable) -> bool:
    """Load the sources into a new on-disk store in `directory`, replacing what was there, and
    keep it if `accept` takes the loaded graph (default: every file could be read; `seckg serve`
    validates it there too). Returns whether it was kept.

    The files are read straight into the database with Oxigraph's bulk loader, with no copy in
    memory. The fingerprint is removed first and written last, so a build that was interrupted
    (or refused) is never taken for a complete one: the next start builds again.
    """
    directory = Path(directory)
    (directory / _FINGERPRINT).unlink(missing_ok=True)
    shutil.rmtree(directory / _DATABASE, ignore_errors=True)
    directory.mkdir(parents=True, exist_ok=True)
    disk = ox.Store(str(directory / _DATABASE))
    loaded = load(config, store=disk)
    if not accept(loaded):
        return False
    built = EmbeddedStore(disk)
    stats = {"graphs": built.triples_per_graph(), "union": built.union_size()}
    disk.flush()
    del loaded, built, disk
    gc.collect()  # closes the database, so read-only handles may open it
    (directory / _STATS).write_text(json.dumps(stats, indent=1) + "\n")
    (directory / _FINGERPRINT).write_text(fingerprint + "\n")
    return True


def disk_stats(directory: Path) -> tuple[dict[str, int], int]:
    """Triples per graph and in the union, saved at build time so a server can describe the
    store without opening it (a process that opened RocksDB must not fork: its children crash)."""
    stats = json.loads((Path(directory) / _STATS).read_text())
    return stats["graphs"], stats["union"]


def open_on_disk(directory: Path) -> EmbeddedStore:
    """A read-only handle on a store built by `build_on_disk`; each process opens its own."""
    return EmbeddedStore(ox.Store.read_only(str(Path(directory) / _DATABASE)))
