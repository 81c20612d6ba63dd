"""`RemoteStore`: the `GraphStore` interface over any SPARQL 1.1 endpoint, through SPARQLWrapper.

For graphs that outgrow one machine the app can sit in front of Fuseki,
GraphDB, Virtuoso, QLever, Neptune or `oxigraph serve`, loaded with `seckg
load --to`. Everything that protects the server still happens here, before a
byte goes out: the guard (SERVICE, LOAD, FROM outside the dataset) and a local
parse with Oxigraph, so a malformed query is a 400 with the same parser message
as in embedded mode and the remote only ever sees well-formed queries.

The default graph is made the union of the named graphs explicitly, by
listing every graph as default-graph-uri and named-graph-uri, because remote
stores disagree on what their default graph is (Fuseki and Oxigraph: a graph
of its own; GraphDB and Virtuoso: the union). That costs the remote time on
every query (about 45 ms against 13 ms for the same named query on `oxigraph
serve`, measured), so an operator whose store already answers over the union
(`oxigraph serve --union-default-graph`, Fuseki's unionDefaultGraph, GraphDB,
Virtuoso) says so with `union_default` and the lists are left out. The list of
graphs is read once per process and kept: like the dumps and the VoID
statistics, it describes the store as it was when the server started.

Answers come back as SPARQL JSON results or N-Triples and are parsed by
pyoxigraph into the same objects the embedded store returns, so the executor
writes every format the same way for both stores. An answer larger than
`max_bytes` is refused whole (`AnswerTooLarge`), never passed on cut.
"""

from __future__ import annotations

import ast
import socket
import time
import urllib.error
from collections.abc import Iterable, Sequence

import pyoxigraph as ox
from SPARQLWrapper import POST, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import (
    EndPointInternalError,
    EndPointNotFound,
    QueryBadFormed,
    SPARQLWrapperException,
    Unauthorized,
    URITooLong,
)

from seckg.sparql_guard import check_query
from seckg.store import AnswerTooLarge, GraphStore, StoreUnavailable

RESULTS_ACCEPT = "application/sparql-results+json, application/sparql-results+xml;q=0.9"
GRAPH_ACCEPT = "application/n-triples, text/turtle;q=0.9, application/rdf+xml;q=0.5"
_GRAPHS = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"
_QUADS = "SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
_STATUS_OF = {QueryBadFormed: 400, Unauthorized: 401, EndPointNotFound: 404, URITooLong: 414,
              EndPointInternalError: 500}


def _remote_message(error: SPARQLWrapperException) -> str:
    """The body the remote sent with an error status (SPARQLWrapper keeps only its repr in the text)."""
    text = str(error)
    _, marker, body = text.partition("Response:\n")
    if marker:
        try:
            value = ast.literal_eval(body)
            text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
        except (ValueError, SyntaxError):
            text = body
    return " ".join(text.split())[:500]


class RemoteStore(GraphStore):
    """A SPARQL 1.1 endpoint at `endpoint`, read-only, with a socket `timeout` and an answer cap."""

    def __init__(self, endpoint: str, timeout: float = 60.0, max_bytes: int = 64 * 1024 * 1024,
                 union_default: bool = False):
        self.endpoint = endpoint
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.union_default = union_default  # the remote's own default graph is the union of its graphs
        self._graphs: dict[str, int] | None = None
        self._parser = ox.Store()  # empty: parses queries (and evaluates nothing that matters)

    # --- the GraphStore interface -------------------------------------------------------------

    def query(self, sparql, default_graph=None, named_graphs=None, base_iri=None, allow_service=(), checked=None):
        info = checked if checked is not None else check_query(sparql, allow_service)
        gives_results = self._parse(sparql, default_graph, named_graphs, base_iri)
        if (default_graph is None and named_graphs is None and not (info.from_graphs or info.from_named)
                and not self.union_default):
            default_graph = named_graphs = self.graph_names()  # the union, whatever the remote's default
        if base_iri:
            sparql = f"BASE <{base_iri}>\n{sparql}"
        if gives_results:
            body, media = self._send(sparql, RESULTS_ACCEPT, default_graph, named_graphs, self.max_bytes)
            return ox.parse_query_results(body, format=self._results_format(media))
        body, media = self._send(sparql, GRAPH_ACCEPT, default_graph, named_graphs, self.max_bytes)
        return _triples(body, media)

    def graph_names(self) -> list[str]:
        return list(self.triples_per_graph())

    def triples_per_graph(self) -> dict[str, int]:
        """The remote's named graphs and their sizes, asked once per process (see module docstring)."""
        if self._graphs is None:
            body, media = self._send(_GRAPHS, RESULTS_ACCEPT, None, None, None)
            rows = ox.parse_query_results(body, format=self._results_format(media))
            self._graphs = {row["g"].value: int(row["n"].value) for row in rows
                            if isinstance(row["g"], ox.NamedNode)}
        return dict(self._graphs)

    def quads(self) -> Iterable[ox.Quad]:
        body, media = self._send(_QUADS, RESULTS_ACCEPT, None, None, None)
        for row in ox.parse_query_results(body, format=self._results_format(media)):
            yield ox.Quad(row["s"], row["p"], row["o"], row["g"])

    def triples(self) -> Iterable[ox.Triple]:
        graphs = None if self.union_default else self.graph_names()
        body, media = self._send("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", GRAPH_ACCEPT, graphs, graphs, None)
        return _triples(body, media)

    def modified(self, config) -> float:
        """The remote does not say when it changed; this process read it when it started."""
        return time.time()

    # --- talking to the endpoint ----------------------------------------------------------------

    def _parse(self, sparql: str, default_graph, named_graphs, base_iri) -> bool:
        """Parse locally, raising SyntaxError with Oxigraph's message, so bad input never leaves.

        True for SELECT and ASK, False for CONSTRUCT and DESCRIBE. The parsed query is dropped here,
        in the thread that made it (pyoxigraph's result objects must not be freed by another)."""
        options: dict = {"base_iri": base_iri}
        if default_graph is not None:
            options["default_graph"] = [ox.NamedNode(g) for g in default_graph]
        if named_graphs is not None:
            options["named_graphs"] = [ox.NamedNode(g) for g in named_graphs]
        parsed = self._parser.query(sparql, **options)
        gives_results = isinstance(parsed, (ox.QuerySolutions, ox.QueryBoolean))
        del parsed
        return gives_results

    def _client(self, sparql: str, accept: str, default_graph: Sequence[str] | None,
                named_graphs: Sequence[str] | None) -> SPARQLWrapper:
        client = SPARQLWrapper(self.endpoint, agent="seckg (https://w3id.org/seckg/)")
        client.setQuery(sparql)
        client.setMethod(POST)  # a form: no URL length limit, the dataset goes in the body too
        client.setOnlyConneg(True)  # no format=/output= parameters, only Accept
        client.addCustomHttpHeader("Accept", accept)
        client.setTimeout(self.timeout)
        for graph in default_graph or ():
            client.addDefaultGraph(graph)
        for graph in named_graphs or ():
            client.addNamedGraph(graph)
        return client

    def _send(self, sparql: str, accept: str, default_graph, named_graphs,
              limit: int | None) -> tuple[bytes | object, str]:
        """The remote's answer (bytes when capped at `limit`, else the open stream) and its media type."""
        client = self._client(sparql, accept, default_graph, named_graphs)
        try:
            response = client.query().response
            media = response.headers.get_content_type()
            if limit is None:
                return response, media
            body = response.read(limit + 1)
        except SPARQLWrapperException as error:
            status = next((code for kind, code in _STATUS_OF.items() if isinstance(error, kind)), 502)
            raise self._failure(status, _remote_message(error)) from None
        except urllib.error.HTTPError as error:
            raise self._failure(error.code, " ".join(error.read().decode("utf-8", "replace").split())[:500]) from None
        except (TimeoutError, socket.timeout):
            raise StoreUnavailable(503, f"the store at {self.endpoint} did not answer within "
                                        f"{self.timeout:g} s") from None
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise StoreUnavailable(502, f"the store at {self.endpoint} cannot be reached: {reason}") from None
        if len(body) > limit:
            response.close()
            raise AnswerTooLarge(f"the store's answer is larger than {limit} bytes")
        return body, media

    def _failure(self, status: int, message: str) -> Exception:
        """An error status from the remote, as the status this server gives its own client."""
        where = f"the store at {self.endpoint}"
        if status == 400:  # it parsed here, so the remote's SPARQL dialect differs: tell the user why
            return SyntaxError(f"{where} refused the query: {message}")
        if status in (503, 504):
            return StoreUnavailable(503, f"{where} is busy or timed out ({status}): {message}")
        return StoreUnavailable(502, f"{where} answered {status}: {message}")

    @staticmethod
    def _results_format(media: str) -> ox.QueryResultsFormat:
        return _format(ox.QueryResultsFormat, media, "a SPARQL results format")



def _format(kind, media: str, what: str):
    """The pyoxigraph format of a media type the remote answered with; 502 if it is not one of `kind`."""
    found = kind.from_media_type(media)
    if found is None:
        raise StoreUnavailable(502, f"the store answered in {media}, which is not {what}")
    return found


def _triples(body, media: str) -> Iterable[ox.Triple]:
    """The triples of a CONSTRUCT/DESCRIBE answer (pyoxigraph parses them as default-graph quads)."""
    quads = ox.parse(body, format=_format(ox.RdfFormat, media, "an RDF format"))  # refused here, not mid-answer
    return (quad.triple for quad in quads)
