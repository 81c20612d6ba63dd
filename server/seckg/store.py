"""The one interface the CLI and the web app use to ask the graph questions.

It wraps an embedded Oxigraph store and always queries the union of the named
graphs, because each source file is its own graph but questions are about the
whole knowledge graph.
"""

from __future__ import annotations

import pyoxigraph as ox

from seckg.loading import LoadedGraph
from seckg.sparql_guard import check_query

_TRIPLES_PER_GRAPH = """
SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g
"""
_INSTANCES_PER_CLASS = """
SELECT ?class (COUNT(DISTINCT ?s) AS ?n)
WHERE { ?s a ?class } GROUP BY ?class ORDER BY DESC(?n) ?class
"""


class GraphStore:
    """Read-only SPARQL over the loaded graphs; SERVICE is refused (see sparql_guard)."""

    def __init__(self, store: ox.Store):
        self.store = store

    @classmethod
    def from_loaded(cls, loaded: LoadedGraph) -> GraphStore:
        return cls(loaded.store)

    def query(self, sparql: str) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
        """Run a SPARQL query over the union of all named graphs.

        Raises `QueryRejected` for SERVICE and `SyntaxError` with the parser's
        message for malformed queries (updates included).
        """
        check_query(sparql)
        return self.store.query(sparql, use_default_graph_as_union=True)

    def triples_per_graph(self) -> dict[str, int]:
        """Triple count of each named graph (one per source file)."""
        return {row["g"].value: int(row["n"].value) for row in self.store.query(_TRIPLES_PER_GRAPH)}

    def instances_per_class(self) -> dict[str, int]:
        """How many distinct resources are typed with each class (asserted types only)."""
        return {
            row["class"].value: int(row["n"].value)
            for row in self.store.query(_INSTANCES_PER_CLASS, use_default_graph_as_union=True)
            if isinstance(row["class"], ox.NamedNode)
        }

    def __len__(self) -> int:
        """Number of quads, i.e. triples summed over all named graphs."""
        return len(self.store)
