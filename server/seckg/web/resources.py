"""Dereferencing: every IRI under the base answers at its path, as HTML or RDF.

The IRIs name things (organizations, states, people, statements), not
documents, so the server follows "Cool URIs for the Semantic Web" with 303
redirects: GET /id/org/CSTO answers `303 See Other` to the document that
describes it in the format `Accept` asks for (/id/org/CSTO.html, .ttl, .nt,
.jsonld, .rdf), and only those documents answer 200. One rule for every IRI
keeps the thing and its description apart, and each document has its own
URL that can be linked, cached and bookmarked. The redirect varies on Accept.

A description is read through the app's query runner (never around it): the
entity's triples, the blank nodes nested under it (membership intervals and
their instants), every triple pointing at it, and the labels of the resources
it links to. IRIs nothing mentions are 404.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from urllib.parse import quote, urlencode

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, redirect, render_template, request

from seckg.executor import Busy, Job
from seckg.namespaces import display_prefixes, shorten
from seckg.terms import datatype_of
from seckg.web import protocol
from seckg.web.protocol import GRAPH_OFFERS, NotAcceptable, Offer
from seckg.web.sparql import error_response
from seckg.xml_text import portable_xml

bp = Blueprint("resources", __name__, template_folder="templates")

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SKOS_PREF = "http://www.w3.org/2004/02/skos/core#prefLabel"
PROV_DERIVED = "http://www.w3.org/ns/prov#wasDerivedFrom"
ORG = "http://www.w3.org/ns/org#"
LABELS = (RDFS_LABEL, SKOS_PREF)
XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"

HTML = Offer("text/html", ("html",), ("application/xhtml+xml",), "HTML", "")
_RDF = {o.names[0]: o for o in GRAPH_OFFERS}
# Server preference: a client that accepts anything (curl, */*) gets Turtle; browsers name text/html.
DOCUMENT_OFFERS = (_RDF["turtle"], _RDF["nt"], _RDF["jsonld"], _RDF["rdfxml"], HTML)
EXTENSIONS = {"html": HTML, "ttl": _RDF["turtle"], "nt": _RDF["nt"], "jsonld": _RDF["jsonld"],
              "rdf": _RDF["rdfxml"]}
EXTENSION_OF = {offer.media: ext for ext, offer in EXTENSIONS.items()}

BLANK_DEPTH = 4  # levels of blank nodes under an entity (membership → interval → instant needs 2)

# How an incoming link reads on the page of the resource it points to.
INCOMING_HEADINGS = {
    "https://w3id.org/seckg/ontology#about": "Statements about this",
    "http://www.w3.org/ns/prov#wasAttributedTo": "Attributed to this",
    "http://www.w3.org/ns/prov#wasDerivedFrom": "Derived from this",
    "http://purl.org/dc/terms/source": "Facts sourced from this",
    ORG + "member": "Member of (memberships)",
    ORG + "organization": "Memberships in this organization",
}


class Unavailable(Exception):
    """The query runner could not answer (busy, timed out, failed): a 5xx for the client."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.headers = headers or {}


def select(sparql: str) -> list[ox.QuerySolution]:
    """Rows of a SELECT run by the app's runner, in a killable child like every other query."""
    settings = current_app.extensions["seckg.settings"]
    job = Job(sparql=sparql, results_writer="JSON", graph_writer=None, max_bytes=settings.max_response_bytes)
    try:
        answer = current_app.extensions["seckg.runner"].run(job, settings.timeout)
    except Busy as error:
        raise Unavailable(503, f"{error}; try again shortly", {"Retry-After": "1"}) from None
    if answer.status != 200:
        raise Unavailable(answer.status, answer.message)
    return list(ox.parse_query_results(answer.body, format=ox.QueryResultsFormat.JSON))


def iri_for_path(path: str) -> str | None:
    """The IRI under the base that a request path names, None when it is no valid IRI."""
    iri = current_app.extensions["seckg.config"].base + path
    try:
        ox.NamedNode(iri)  # rejects spaces, quotes, angle brackets: it is then safe in a query
    except ValueError:
        return None
    return iri


LINKABLE_SCHEMES = ("http:", "https:")


def local_href(iri: str) -> str | None:
    """Where this server answers for `iri`: its path when under the base, else the IRI itself when
    it is a web address; None for other schemes (javascript:, data:…), which a page must not link."""
    base = current_app.extensions["seckg.config"].base
    if iri.startswith(base):
        return request.script_root + "/" + quote(iri[len(base):], safe="/#:@!$&'()*+,;=-._~%")
    return iri if iri.lower().startswith(LINKABLE_SCHEMES) else None


@dataclass
class Description:
    """What the server says about one IRI, with the graph (source file) of each triple."""

    iri: str
    outgoing: list[tuple[ox.Term, ox.NamedNode, ox.Term, str]] = field(default_factory=list)
    incoming: list[tuple[ox.Term, ox.NamedNode, ox.Term, str]] = field(default_factory=list)
    labels: dict[str, list[ox.Literal]] = field(default_factory=dict)
    derived_from: dict[str, list[str]] = field(default_factory=dict)

    def linked(self) -> set[str]:
        """IRIs the description links to (objects, and subjects of incoming links), itself excluded."""
        found = {o.value for _, _, o, _ in self.outgoing if isinstance(o, ox.NamedNode)}
        found |= {s.value for s, _, _, _ in self.incoming if isinstance(s, ox.NamedNode)}
        found.discard(self.iri)
        return found

    def triples(self) -> list[ox.Triple]:
        """The RDF description: own and nested triples, incoming links, labels of linked resources."""
        seen: dict[ox.Triple, None] = {}
        for s, p, o, _ in (*self.outgoing, *self.incoming):
            seen.setdefault(ox.Triple(s, p, o), None)
        for iri in sorted(self.linked()):
            for label in self.labels.get(iri, []):
                seen.setdefault(ox.Triple(ox.NamedNode(iri), ox.NamedNode(RDFS_LABEL), label), None)
        return list(seen)

    def label(self, iri: str) -> str | None:
        return best_label(self.labels.get(iri, []))


def best_label(labels: list[ox.Literal]) -> str | None:
    """English first, then a label without language, then any, so pages read the same every time."""
    if not labels:
        return None
    for wanted in ("en", None):
        for label in sorted(labels, key=lambda lit: lit.value):
            if (label.language or None) == wanted or (wanted == "en" and (label.language or "").startswith("en-")):
                return label.value
    return sorted(labels, key=lambda lit: (lit.language or "", lit.value))[0].value


def _description_query(iri: str) -> str:
    node = str(ox.NamedNode(iri))
    branches = [f'{{ GRAPH ?g {{ {node} ?p ?o }} BIND({node} AS ?s) BIND("out" AS ?kind) }}']
    for depth in range(1, BLANK_DEPTH + 1):
        chain, previous = [], node
        for level in range(1, depth + 1):
            chain.append(f"{previous} ?p{level} ?b{level} . FILTER(isBlank(?b{level}))")
            previous = f"?b{level}"
        branches.append(f'{{ GRAPH ?g {{ {" ".join(chain)} {previous} ?p ?o }} '
                        f'BIND({previous} AS ?s) BIND("out" AS ?kind) }}')
    branches.append(f'{{ GRAPH ?g {{ ?s ?p {node} }} BIND({node} AS ?o) BIND("in" AS ?kind) }}')
    return "SELECT DISTINCT ?kind ?s ?p ?o ?g WHERE {\n  " + "\n  UNION ".join(branches) + "\n}"


def _about_query(iris: set[str]) -> str:
    values = " ".join(str(ox.NamedNode(i)) for i in sorted(iris))
    props = " ".join(f"<{p}>" for p in (*LABELS, PROV_DERIVED))
    return (f"SELECT DISTINCT ?x ?p ?v ?vl WHERE {{ VALUES ?x {{ {values} }} VALUES ?p {{ {props} }} ?x ?p ?v . "
            f"OPTIONAL {{ ?v <{RDFS_LABEL}> ?vl }} }}")


def _as_subset(iri: str) -> tuple[list[tuple], list[tuple]]:
    """A named graph of the dataset as VoID describes it (a subset with its size), so that every
    graph IRI dereferences, the ontology's too, which no triple describes. Empty for other IRIs."""
    count = current_app.extensions["seckg.graphs"].get(iri)
    if count is None:
        return [], []
    from seckg.web.void import VOID, dataset_iri

    where = dataset_iri(current_app.extensions["seckg.config"].base)
    graph = ox.NamedNode(iri)
    outgoing = [(graph, ox.NamedNode(RDF_TYPE), ox.NamedNode(VOID + "Dataset"), where),
                (graph, ox.NamedNode(VOID + "triples"), ox.Literal(str(count), datatype=ox.NamedNode(XSD_INTEGER)),
                 where)]
    return outgoing, [(ox.NamedNode(where), ox.NamedNode(VOID + "subset"), graph, where)]


def describe(iri: str, extra: set[str] = frozenset()) -> Description | None:
    """The description of `iri`, None when no triple mentions it; `extra` IRIs get labels too."""
    found = Description(iri)
    for row in select(_description_query(iri)):
        quad = (row["s"], row["p"], row["o"], row["g"].value)
        (found.outgoing if row["kind"].value == "out" else found.incoming).append(quad)
    subset_out, subset_in = _as_subset(iri)
    found.outgoing += subset_out
    found.incoming += subset_in
    if not found.outgoing and not found.incoming:
        return None
    subject = ox.NamedNode(iri)
    found.outgoing.sort(key=lambda q: q[0] != subject)  # the entity's own triples first, then nested ones
    wanted = found.linked() | {iri} | set(extra)
    wanted |= {p.value for _, p, _, _ in (*found.outgoing, *found.incoming)}
    wanted |= {g for *_, g in (*found.outgoing, *found.incoming)}
    labels: dict[str, set[ox.Literal]] = defaultdict(set)
    derived: dict[str, set[str]] = defaultdict(set)
    for row in select(_about_query(wanted)):
        x, p, v = row["x"].value, row["p"].value, row["v"]
        if p == PROV_DERIVED:
            if isinstance(v, ox.NamedNode):
                derived[x].add(v.value)
                if row["vl"] is not None:
                    labels[v.value].add(row["vl"])
        elif isinstance(v, ox.Literal):
            labels[x].add(v)
    found.labels = {k: sorted(v, key=lambda lit: (lit.language or "", lit.value)) for k, v in labels.items()}
    found.derived_from = {k: sorted(v) for k, v in derived.items()}
    return found


def _negotiate(offers: tuple[Offer, ...]) -> Offer:
    return protocol.negotiate(offers, request.headers.get("Accept"), request.args.get("format"))


def prefixes_for(iris: set[str], base: str) -> dict[str, str]:
    """The known prefixes some of `iris` can be written with, plus one per kind of seckg IRI,
    so Turtle reads `state:ARM` rather than a full IRI or an escaped `id:state\\/ARM`."""
    known = {name: ns for name, ns in display_prefixes(base).items() if name not in ("id", "graph")}
    if any(i.startswith(base + "graph/") for i in iris):
        known.setdefault("graph", base + "graph/")
    for iri in iris:
        kind, slash, _ = iri[len(base) + 3:].partition("/") if iri.startswith(base + "id/") else ("", "", "")
        if slash and kind[:1].isalpha() and kind.replace("-", "").isalnum():
            namespace = f"{base}id/{kind}/"
            name = kind if known.get(kind, namespace) == namespace else "s" + kind  # org: is W3C ORG
            known.setdefault(name, namespace)
    return {name: ns for name, ns in known.items()
            if any(i.startswith(ns) and "/" not in i[len(ns):] and "#" not in i[len(ns):] for i in iris)}


def iris_of(triples) -> set[str]:
    """Every IRI of `triples` (or quads) that a prefix could shorten, datatypes included."""
    found = set()
    for triple in triples:
        for term in (triple.subject, triple.predicate, triple.object):
            if isinstance(term, ox.NamedNode):
                found.add(term.value)
            elif isinstance(term, ox.Literal):
                found.add(term.datatype.value)
    return found


def _rdf_body(triples: list[ox.Triple], offer: Offer) -> bytes:
    base = current_app.extensions["seckg.config"].base
    prefixes = prefixes_for(iris_of(triples), base) if offer.writer == "TURTLE" else None
    body = ox.serialize(triples, format=offer.rdf_format(), prefixes=prefixes)
    return portable_xml(body) if offer.writer == "RDF_XML" else body


def script_safe_json(body: bytes) -> str:
    """JSON text that cannot end a <script> element or open a comment: <, > and & as \\u escapes
    (they can only occur inside JSON strings, where the escapes mean the same characters)."""
    text = body.decode("utf-8")
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def split_extension(path: str) -> tuple[str, Offer | None]:
    """`id/org/CSTO.ttl` → (`id/org/CSTO`, Turtle); a path with no known extension is the thing."""
    stem, dot, ext = path.rpartition(".")
    if dot and "/" not in ext and ext in EXTENSIONS:
        return stem, EXTENSIONS[ext]
    return path, None


def _page(description: Description, memberships: dict[str, list[dict]]) -> str:
    from seckg.web.entity_page import build_page
    from seckg.web.timeline import timeline_views

    jsonld = script_safe_json(_rdf_body(description.triples(), _RDF["jsonld"]))
    timelines = timeline_views(description.iri, memberships) if any(memberships.values()) else []
    return render_template("entity.html", page=build_page(description, memberships), jsonld=jsonld, timelines=timelines)


def document(path: str, offer: Offer) -> Response:
    """The description of the thing at `path` (no extension) in one format: a 200 document."""
    iri = iri_for_path(path)
    if iri is None:
        return error_response(404, f"404 Not Found: {path!r} is not an IRI this server can name")
    from seckg.web.entity_page import fetch_memberships

    memberships = fetch_memberships(iri) if offer is HTML else {}
    extra = {i for rows in memberships.values() for row in rows for i in row["iris"]}
    description = describe(iri, extra)
    if description is None:
        return error_response(404, f"404 Not Found: nothing is known about <{iri}>")
    if offer is HTML:
        response = Response(_page(description, memberships), content_type="text/html; charset=utf-8")
    else:
        response = Response(_rdf_body(description.triples(), offer), content_type=offer.content_type)
    response.headers["Link"] = f'<{iri}>; rel="about"'
    return response


def _exists(iri: str) -> bool:
    if iri in current_app.extensions["seckg.graphs"]:
        return True
    node = str(ox.NamedNode(iri))
    return bool(select(f"SELECT ?x WHERE {{ {{ {node} ?x ?o }} UNION {{ ?s ?x {node} }} }} LIMIT 1"))


def thing(path: str) -> Response:
    """303 from the IRI of a thing to the document about it in the negotiated format."""
    iri = iri_for_path(path)
    if iri is None or not _exists(iri):
        response = error_response(404, f"404 Not Found: nothing is known about <{iri or path}>")
        return response
    try:
        offer = _negotiate(DOCUMENT_OFFERS)
    except NotAcceptable as error:
        return error_response(406, str(error))
    target = local_href(iri) + "." + EXTENSION_OF[offer.media]
    response = redirect(target, code=303)
    response.headers["Vary"] = "Accept"
    return response


@bp.route("/<path:path>", methods=["GET"])
def dereference(path: str) -> Response:
    """Any path not taken by another route names an IRI under the base (or a document about one)."""
    try:
        stem, offer = split_extension(path)
        if offer is not None:
            return document(stem, offer)
        return thing(path)
    except Unavailable as error:
        return error_response(error.status, str(error), error.headers)


def sparql_link(iri: str) -> str:
    """A link to /sparql asking for the triples about `iri`, graph by graph."""
    node = str(ox.NamedNode(iri))
    query = f"SELECT ?p ?o ?g WHERE {{ GRAPH ?g {{ {node} ?p ?o }} }} ORDER BY ?g ?p"
    return request.script_root + "/sparql?" + urlencode({"query": query})


def short(iri: str) -> str:
    return shorten(iri, display_prefixes(current_app.extensions["seckg.config"].base))


def literal_view(term: ox.Literal) -> dict:
    datatype = datatype_of(term)
    return {"kind": "literal", "text": term.value, "lang": term.language,
            "datatype": short(datatype) if datatype else None}
