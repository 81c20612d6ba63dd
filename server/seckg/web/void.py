"""The dataset described in VoID and DCAT at /.well-known/void, for crawlers and catalogues.

Counts (triples, entities, class and property partitions, per-graph sizes),
sources and example resources are computed from the store the first time they
are asked for (in a child process, see dumps.DumpFiles), so the
description states what is served; the URLs of the endpoint and the dumps are
those of the request, as in the service description.
"""

from __future__ import annotations

from datetime import datetime, timezone

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, request

from seckg.licence import LICENSE, RIGHTS
from seckg.store import GraphStore
from seckg.web import protocol
from seckg.web.protocol import GRAPH_OFFERS, NotAcceptable
from seckg.web.sparql import error_response
from seckg.xml_text import portable_xml

bp = Blueprint("void", __name__)

VOID = "http://rdfs.org/ns/void#"
DCAT = "http://www.w3.org/ns/dcat#"
DCTERMS = "http://purl.org/dc/terms/"
FOAF = "http://xmlns.com/foaf/0.1/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
XSD = "http://www.w3.org/2001/XMLSchema#"
PROV_DERIVED = "http://www.w3.org/ns/prov#wasDerivedFrom"
OWL_ONTOLOGY = "http://www.w3.org/2002/07/owl#Ontology"

TITLE = "seckg: a knowledge graph of international security organizations"
DESCRIPTION = (
    "Security organizations (the CSTO and the Collective Security Treaty before it, NATO, the SCO, OSCE, CIS, "
    "EurAsEC and the organizations they deal with), their bodies and posts, member states and membership "
    "histories, treaties, meetings, officials and their statements. Every fact carries the source it came from; "
    "each source file is one named graph."
)
PUBLISHER = "The seckg project"


def _one(store: GraphStore, sparql: str) -> int:
    return int(next(iter(store.query(sparql)))["n"].value)


def dataset_statistics(store: GraphStore, base: str) -> dict:
    """Counts, partitions, sources and examples of the union graph, as plain JSON-able values."""
    ids = base + "id/"
    properties = {row["p"].value: int(row["n"].value) for row in store.query(
        "SELECT ?p (COUNT(*) AS ?n) { SELECT DISTINCT ?s ?p ?o { ?s ?p ?o } } GROUP BY ?p")}
    sources = {}
    for row in store.query(f"SELECT DISTINCT ?src ?label WHERE {{ GRAPH ?g {{ ?g <{PROV_DERIVED}> ?src }} "
                           f"FILTER(isIRI(?src)) OPTIONAL {{ ?src <{RDFS_LABEL}> ?label FILTER(langMatches(lang(?label), 'en')) }} }}"):
        sources.setdefault(row["src"].value, row["label"].value if row["label"] is not None else None)
    examples = {}
    for row in store.query(f"SELECT DISTINCT ?s WHERE {{ ?s ?p ?o FILTER(isIRI(?s) && STRSTARTS(STR(?s), {ox.Literal(ids)})) }} ORDER BY ?s"):
        kind = row["s"].value[len(ids):].partition("/")[0]
        examples.setdefault(kind, row["s"].value)
    ontology = [(row["o"].value, row["l"].value if row["l"] is not None else None) for row in store.query(
        f"SELECT ?o ?l WHERE {{ ?o a <{OWL_ONTOLOGY}> OPTIONAL {{ ?o <{DCTERMS}license> ?l }} }} ORDER BY ?o")]
    graphs = store.triples_per_graph()
    return {
        "triples": store.union_size(),
        "quads": len(store),
        "entities": _one(store, f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s ?p ?o FILTER(isIRI(?s) && "
                                f"STRSTARTS(STR(?s), {ox.Literal(ids)})) }}"),
        "distinct_subjects": _one(store, "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o }"),
        "distinct_objects": _one(store, "SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { ?s ?p ?o }"),
        "classes": store.instances_per_class(),
        "properties": dict(sorted(properties.items())),
        "graphs": graphs,
        "sources": dict(sorted(sources.items())),
        "examples": [examples[k] for k in sorted(examples)],
        "ontology": ontology,
    }


def _n(name: str, local: str) -> ox.NamedNode:
    return ox.NamedNode(name + local)


def _int(value: int) -> ox.Literal:
    return ox.Literal(str(value), datatype=ox.NamedNode(XSD + "integer"))


def dataset_iri(base: str) -> str:
    return base + ".well-known/void#seckg"


def describe_dataset(dumps, base: str, root_url: str) -> list[ox.Triple]:
    """VoID and DCAT triples for the dataset served at `root_url` (ends with /)."""
    from seckg.web.dumps import dump_listing

    stats = dumps.stats()
    ds = ox.NamedNode(dataset_iri(base))
    a = ox.NamedNode(RDF_TYPE)
    out = [
        ox.Triple(ds, a, _n(VOID, "Dataset")),
        ox.Triple(ds, a, _n(DCAT, "Dataset")),
        ox.Triple(ds, _n(DCTERMS, "title"), ox.Literal(TITLE, language="en")),
        ox.Triple(ds, _n(DCTERMS, "description"), ox.Literal(DESCRIPTION, language="en")),
        ox.Triple(ds, _n(DCTERMS, "license"), ox.NamedNode(LICENSE)),
        ox.Triple(ds, _n(DCTERMS, "rights"), ox.Literal(RIGHTS, language="en")),
        ox.Triple(ds, _n(DCTERMS, "modified"), ox.Literal(
            datetime.fromtimestamp(dumps.modified, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            datatype=ox.NamedNode(XSD + "dateTime"))),
        ox.Triple(ds, _n(DCAT, "landingPage"), ox.NamedNode(root_url)),
        ox.Triple(ds, _n(VOID, "sparqlEndpoint"), ox.NamedNode(root_url + "sparql")),
        ox.Triple(ds, _n(VOID, "uriSpace"), ox.Literal(base)),
        ox.Triple(ds, _n(VOID, "vocabulary"), ox.NamedNode(base + "ontology#")),
        ox.Triple(ds, _n(VOID, "triples"), _int(stats["triples"])),
        ox.Triple(ds, _n(VOID, "entities"), _int(stats["entities"])),
        ox.Triple(ds, _n(VOID, "distinctSubjects"), _int(stats["distinct_subjects"])),
        ox.Triple(ds, _n(VOID, "distinctObjects"), _int(stats["distinct_objects"])),
        ox.Triple(ds, _n(VOID, "classes"), _int(len(stats["classes"]))),
        ox.Triple(ds, _n(VOID, "properties"), _int(len(stats["properties"]))),
        ox.Triple(ds, _n(VOID, "feature"), ox.NamedNode("http://www.w3.org/ns/formats/Turtle")),
    ]
    publisher = ox.BlankNode()
    out += [ox.Triple(ds, _n(DCTERMS, "publisher"), publisher),
            ox.Triple(publisher, a, _n(FOAF, "Organization")),
            ox.Triple(publisher, _n(FOAF, "name"), ox.Literal(PUBLISHER))]
    service = ox.BlankNode()
    out += [ox.Triple(ds, _n(DCAT, "accessService"), service),
            ox.Triple(service, a, _n(DCAT, "DataService")),
            ox.Triple(service, _n(DCAT, "endpointURL"), ox.NamedNode(root_url + "sparql")),
            ox.Triple(service, _n(DCTERMS, "conformsTo"), ox.NamedNode("https://www.w3.org/TR/sparql11-protocol/"))]
    for source, label in stats["sources"].items():
        out.append(ox.Triple(ds, _n(DCTERMS, "source"), ox.NamedNode(source)))
        if label:
            out.append(ox.Triple(ox.NamedNode(source), ox.NamedNode(RDFS_LABEL), ox.Literal(label, language="en")))
    for example in stats["examples"]:
        out.append(ox.Triple(ds, _n(VOID, "exampleResource"), ox.NamedNode(example)))
    media_types = "https://www.iana.org/assignments/media-types/"
    for item in dump_listing():
        for name, size in ((item["name"], item["size"]), (item["gz"], item["gz_size"])):
            url = ox.NamedNode(root_url + "dumps/" + name)
            dist = ox.BlankNode()
            packed = name.endswith(".gz")
            out += [ox.Triple(ds, _n(VOID, "dataDump"), url),
                    ox.Triple(ds, _n(DCAT, "distribution"), dist),
                    ox.Triple(dist, a, _n(DCAT, "Distribution")),
                    ox.Triple(dist, _n(DCAT, "downloadURL"), url),
                    # DCAT: the media type of the content; a .gz adds its compression format.
                    ox.Triple(dist, _n(DCAT, "mediaType"), ox.NamedNode(media_types + item["format"].media)),
                    ox.Triple(dist, _n(DCAT, "byteSize"), _int(size)),
                    ox.Triple(dist, _n(DCTERMS, "license"), ox.NamedNode(LICENSE)),
                    ox.Triple(dist, _n(DCTERMS, "title"), ox.Literal(
                        f"{item['format'].name} dump" + (", gzipped" if packed else ""), language="en"))]
            if packed:
                out.append(ox.Triple(dist, _n(DCAT, "compressFormat"), ox.NamedNode(media_types + "application/gzip")))
    for cls, count in sorted(stats["classes"].items()):
        part = ox.BlankNode()
        out += [ox.Triple(ds, _n(VOID, "classPartition"), part),
                ox.Triple(part, _n(VOID, "class"), ox.NamedNode(cls)),
                ox.Triple(part, _n(VOID, "entities"), _int(count))]
    for prop, count in stats["properties"].items():
        part = ox.BlankNode()
        out += [ox.Triple(ds, _n(VOID, "propertyPartition"), part),
                ox.Triple(part, _n(VOID, "property"), ox.NamedNode(prop)),
                ox.Triple(part, _n(VOID, "triples"), _int(count))]
    licenses = dict(stats["ontology"])
    for graph, count in sorted(stats["graphs"].items()):
        subset = ox.NamedNode(graph)
        out += [ox.Triple(ds, _n(VOID, "subset"), subset),
                ox.Triple(subset, a, _n(VOID, "Dataset")),
                ox.Triple(subset, _n(VOID, "triples"), _int(count))]
        for ontology, license_iri in licenses.items():
            if license_iri and graph.startswith(base + "graph/ontology/"):
                out += [ox.Triple(subset, _n(DCTERMS, "license"), ox.NamedNode(license_iri)),
                        ox.Triple(subset, _n(FOAF, "primaryTopic"), ox.NamedNode(ontology))]
    return out


@bp.route("/.well-known/void")
def void() -> Response:
    """The VoID/DCAT description, negotiated among the RDF formats (Turtle by default)."""
    try:
        offer = protocol.negotiate(GRAPH_OFFERS[:4], request.headers.get("Accept"), request.args.get("format"))
    except NotAcceptable as error:
        return error_response(406, str(error))
    config = current_app.extensions["seckg.config"]
    triples = describe_dataset(current_app.extensions["seckg.dumps"], config.base, request.url_root)
    from seckg.web.resources import iris_of, prefixes_for

    prefixes = {**prefixes_for(iris_of(triples), config.base), "void": VOID, "dcat": DCAT}
    body = ox.serialize(triples, format=offer.rdf_format(),
                        prefixes=prefixes if offer.writer == "TURTLE" else None)
    if offer.writer == "RDF_XML":
        body = portable_xml(body)
    response = Response(body, content_type=offer.content_type)
    response.headers["Vary"] = "Accept"
    return response
