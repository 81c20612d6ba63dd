"""The one interface the CLI and the web app use to ask the graph questions, and its embedded store.

`GraphStore` is what the rest of the package programs against; it has two
implementations: `EmbeddedStore` here (Oxigraph in this process, in memory or
on disk) and `seckg.remote.RemoteStore` (any SPARQL 1.1 endpoint). Both query
the union of the named graphs by default, because each source file is its own
graph but questions are about the whole knowledge graph.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Collection, Iterable, Sequence

import pyoxigraph as ox

from seckg.config import Config
from seckg.loading import LoadedGraph, data_files, ontology_files
from seckg.source_hashes import sources_fingerprint  # noqa: F401 (where the web app looks for it)
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
