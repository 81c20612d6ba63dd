"""The SPARQL 1.1 Service Description answered by GET /sparql without a query.

Built from what this server really does (the offers of `protocol`, the
outbound allow-list, the graphs loaded), so the description cannot drift from
the behaviour. `sd:endpoint` is the URL the request came to, which is the one
a client can use, whatever host name or proxy path it went through.
"""

from __future__ import annotations

import pyoxigraph as ox

from seckg.web.protocol import GRAPH_OFFERS, RESULT_OFFERS
from seckg.web.settings import EndpointSettings

SD = "http://www.w3.org/ns/sparql-service-description#"
VOID = "http://rdfs.org/ns/void#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
RDFS_COMMENT = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#comment")
XSD_INTEGER = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")

UNION_NOTE = (
    "The default graph is the union of all named graphs (one per source file). A request that "
    "gives default-graph-uri or named-graph-uri (or a query with FROM / FROM NAMED) is answered "
    "over exactly the graphs it names, which must be graphs of this dataset."
)


def _sd(name: str) -> ox.NamedNode:
    return ox.NamedNode(SD + name)


def _void(name: str) -> ox.NamedNode:
    return ox.NamedNode(VOID + name)


def _count(n: int) -> ox.Literal:
    return ox.Literal(str(n), datatype=XSD_INTEGER)


def describe(endpoint: str, graphs: dict[str, int], default_triples: int,
             settings: EndpointSettings) -> list[ox.Triple]:
    """Triples describing the service at `endpoint` over `graphs` (IRI → triple count)."""
    service, dataset, default = ox.BlankNode(), ox.BlankNode(), ox.BlankNode()
    triples = [
        ox.Triple(service, RDF_TYPE, _sd("Service")),
        ox.Triple(service, _sd("endpoint"), ox.NamedNode(endpoint)),
        ox.Triple(service, _sd("supportedLanguage"), _sd("SPARQL11Query")),
        ox.Triple(service, _sd("feature"), _sd("UnionDefaultGraph")),
        ox.Triple(service, _sd("defaultEntailmentRegime"), ox.NamedNode("http://www.w3.org/ns/entailment/Simple")),
        ox.Triple(service, _sd("defaultDataset"), dataset),
        ox.Triple(service, RDFS_COMMENT, ox.Literal(
            f"Read-only. Queries time out after {settings.timeout:g} s (503); answers over "
            f"{settings.max_response_bytes} bytes are refused (422). " + UNION_NOTE, language="en")),
    ]
    if settings.allow_service:
        triples.append(ox.Triple(service, _sd("feature"), _sd("BasicFederatedQuery")))
    for offer in (*RESULT_OFFERS, *GRAPH_OFFERS):
        triples.append(ox.Triple(service, _sd("resultFormat"), ox.NamedNode(offer.w3c)))
    triples += [
        ox.Triple(dataset, RDF_TYPE, _sd("Dataset")),
        ox.Triple(dataset, RDF_TYPE, _void("Dataset")),
        ox.Triple(dataset, RDFS_COMMENT, ox.Literal(UNION_NOTE, language="en")),
        ox.Triple(dataset, _void("sparqlEndpoint"), ox.NamedNode(endpoint)),
        ox.Triple(dataset, _void("triples"), _count(default_triples)),
        ox.Triple(dataset, _sd("defaultGraph"), default),
        ox.Triple(default, RDF_TYPE, _sd("Graph")),
        ox.Triple(default, RDF_TYPE, _void("Dataset")),
        ox.Triple(default, _void("triples"), _count(default_triples)),
    ]
    for iri, count in sorted(graphs.items()):
        named, graph = ox.BlankNode(), ox.BlankNode()
        triples += [
            ox.Triple(dataset, _sd("namedGraph"), named),
            ox.Triple(named, RDF_TYPE, _sd("NamedGraph")),
            ox.Triple(named, _sd("name"), ox.NamedNode(iri)),
            ox.Triple(named, _sd("graph"), graph),
            ox.Triple(graph, RDF_TYPE, _sd("Graph")),
            ox.Triple(graph, RDF_TYPE, _void("Dataset")),
            ox.Triple(graph, _void("triples"), _count(count)),
            ox.Triple(dataset, _void("subset"), graph),
        ]
    return triples
