"""The ontology at its IRI (and its version IRI) and the shapes at theirs.

Same rule as every other IRI (see resources): /ontology, /ontology/<version>
and /shapes answer 303 to a document in the format Accept asks for — HTML
documentation for browsers, Turtle, N-Triples, JSON-LD or RDF/XML for programs. The
documentation is generated here from the ontology files with a Jinja
template (no pyLODE: it adds a dependency tree for one page, and this needs
no network); it is rebuilt whenever a file's modification time or size
changes, so an edited ontology is documented on the next request.

OWL/XML is the committed `ontology/seckg.owx` (see seckg.owl.owlxml: the OWL API
writes it, the server starts no JVM). It is offered only while it records the
fingerprint of the Turtle's current triples; a stale file is never served.

The Turtle of the ontology is the file itself, comments included; with
several files, their merge.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from pathlib import Path

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, redirect, render_template, request
from rdflib import OWL, RDF, RDFS, SH, Graph, URIRef
from rdflib.namespace import DCTERMS, SKOS

from seckg.loading import ontology_files, shape_files
from seckg.owl.owlxml import fingerprint, owlxml_path, recorded_fingerprint
from seckg.namespaces import display_prefixes, shorten
from seckg.web import protocol
from seckg.web.protocol import Offer
from seckg.web.resources import DOCUMENT_OFFERS, EXTENSION_OF, EXTENSIONS, HTML, local_href
from seckg.web.sparql import error_response
from seckg.xml_text import portable_xml

bp = Blueprint("ontology", __name__, template_folder="templates")

_RDF_EXTENSIONS = ("ttl", "nt", "jsonld", "rdf")  # the formats of every other IRI under the base
OWL_XML = Offer("application/owl+xml", ("owx", "owl-xml"), (), "", "http://www.w3.org/ns/formats/OWL_XML")
_MEDIA_EXTENSION = {**EXTENSION_OF, OWL_XML.media: "owx"}
_cache: dict[tuple, tuple[tuple, dict]] = {}  # file paths → (their mtimes and sizes, what was read)
_lock = threading.Lock()


def _files_key(files: list[Path]) -> tuple:
    owx = [owlxml_path(files[0])] if len(files) == 1 and owlxml_path(files[0]).is_file() else []
    return tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in files + owx)


def _owlxml(files: list[Path], turtle: bytes, base: str) -> bytes | str:
    """The OWL/XML file of a single ontology file, or why there is none to serve."""
    path = owlxml_path(files[0]) if len(files) == 1 else None
    if path is None or not path.is_file():
        return "the ontology has no OWL/XML file (run python -m seckg.owl.owlxml)"
    owx = path.read_bytes()
    if recorded_fingerprint(owx) != fingerprint(turtle, base):
        return f"{path.name} is out of date with the Turtle (run python -m seckg.owl.owlxml)"
    return owx


def _read(files: list[Path]) -> dict:
    """Turtle bytes, parsed triples and an rdflib graph of `files`, cached until one changes."""
    paths, key = tuple(str(p) for p in files), _files_key(files)
    with _lock:
        if paths in _cache and _cache[paths][0] == key:
            return _cache[paths][1]
    base = current_app.extensions["seckg.config"].base
    triples: list[ox.Triple] = []
    graph = Graph()
    for path in files:
        for quad in ox.parse(path=path, format=ox.RdfFormat.TURTLE, base_iri=base, without_named_graphs=True):
            triples.append(ox.Triple(quad.subject, quad.predicate, quad.object))
        graph.parse(path, format="turtle", publicID=base)
    if len(files) == 1:
        turtle = files[0].read_bytes()
    else:
        turtle = ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=display_prefixes(base))
    entry = {"turtle": turtle, "triples": triples, "graph": graph, "owx": _owlxml(files, turtle, base)}
    with _lock:
        _cache[paths] = (key, entry)  # replaces the entry of the files' previous state
    return entry


def _ontology_iri(graph: Graph) -> tuple[URIRef | None, URIRef | None]:
    for ontology in graph.subjects(RDF.type, OWL.Ontology):
        return ontology, graph.value(ontology, OWL.versionIRI)
    return None, None


def _label(graph: Graph, term) -> str:
    for lang in ("en", None):
        for value in graph.objects(term, RDFS.label):
            if getattr(value, "language", None) == lang:
                return str(value)
    prefixes = display_prefixes(current_app.extensions["seckg.config"].base)
    return shorten(str(term), prefixes) if isinstance(term, URIRef) else "(anonymous)"


def _term_link(graph: Graph, term, namespace: str) -> dict:
    iri = str(term)
    if iri.startswith(namespace):
        return {"href": "#" + iri[len(namespace):], "text": _label(graph, term), "iri": iri}
    return {"href": local_href(iri), "text": _label(graph, term), "iri": iri}


def _entries(graph: Graph, kind, namespace: str) -> list[dict]:
    """The terms of one kind defined in this ontology's namespace, in label order."""
    found = []
    for term in set(graph.subjects(RDF.type, kind)):
        if not isinstance(term, URIRef) or not str(term).startswith(namespace):
            continue
        text = [str(v) for p in (SKOS.definition, RDFS.comment, DCTERMS.description) for v in graph.objects(term, p)
                if getattr(v, "language", "en") in ("en", None)]
        related = defaultdict(list)
        for name, predicate in (("subclass of", RDFS.subClassOf), ("sub-property of", RDFS.subPropertyOf),
                                ("domain", RDFS.domain), ("range", RDFS.range), ("in scheme", SKOS.inScheme),
                                ("broader", SKOS.broader), ("inverse of", OWL.inverseOf)):
            for value in graph.objects(term, predicate):
                if isinstance(value, URIRef):
                    related[name].append(_term_link(graph, value, namespace))
        found.append({"id": str(term)[len(namespace):], "iri": str(term), "label": _label(graph, term),
                      "text": text, "related": [(k, sorted(v, key=lambda x: x["text"])) for k, v in related.items()]})
    return sorted(found, key=lambda e: e["label"].lower())


def _documentation(entry: dict) -> dict:
    graph = entry["graph"]
    ontology, version = _ontology_iri(graph)
    base = current_app.extensions["seckg.config"].base
    if ontology is None:  # files without an owl:Ontology header still document their terms
        return {"iri": base + "ontology", "version": None, "namespace": base + "ontology#", "title": "Ontology",
                "header": [], "sections": _sections(graph, base + "ontology#")}
    namespace = str(graph.value(ontology, URIRef("http://purl.org/vocab/vann/preferredNamespaceUri")) or
                    (str(ontology) + "#"))
    header = [(_label(graph, p), str(v)) for p in (DCTERMS.title, DCTERMS.description, OWL.versionInfo,
                                                    DCTERMS.license, DCTERMS.creator, DCTERMS.modified)
              for v in graph.objects(ontology, p)]
    return {"iri": str(ontology), "version": str(version) if version else None, "namespace": namespace,
            "title": _label(graph, ontology), "header": header,
            "sections": _sections(graph, namespace)}


SECTIONS = (("Classes", "classes", OWL.Class), ("Object properties", "object-properties", OWL.ObjectProperty),
            ("Datatype properties", "datatype-properties", OWL.DatatypeProperty),
            ("Annotation properties", "annotation-properties", OWL.AnnotationProperty),
            ("Concept schemes", "schemes", SKOS.ConceptScheme), ("Concepts", "concepts", SKOS.Concept))


def _sections(graph: Graph, namespace: str) -> list[tuple[str, str, list[dict]]]:
    return [(title, anchor, _entries(graph, kind, namespace)) for title, anchor, kind in SECTIONS]


def _negotiated_redirect(path: str, owlxml: bool = False) -> Response:
    offers = tuple(o for o in DOCUMENT_OFFERS if EXTENSION_OF[o.media] in (*_RDF_EXTENSIONS, "html"))
    try:
        offer = protocol.negotiate(offers + ((OWL_XML,) if owlxml else ()), request.headers.get("Accept"),
                                   request.args.get("format"))
    except protocol.NotAcceptable as error:
        return error_response(406, str(error))
    response = redirect(f"{request.script_root}/{path}.{_MEDIA_EXTENSION[offer.media]}", code=303)
    response.headers["Vary"] = "Accept"
    return response


def _serve(entry: dict, ext: str, html: str) -> Response:
    if ext == "owx":
        if isinstance(entry["owx"], str):
            return error_response(404, f"404 Not Found: {entry['owx']}")
        return Response(entry["owx"], content_type=OWL_XML.content_type)
    if ext == "ttl":
        return Response(entry["turtle"], content_type=EXTENSIONS["ttl"].content_type)
    if ext in _RDF_EXTENSIONS:
        offer = EXTENSIONS[ext]
        body = ox.serialize(entry["triples"], format=offer.rdf_format())
        return Response(portable_xml(body) if ext == "rdf" else body, content_type=offer.content_type)
    return Response(html, content_type=HTML.content_type)


def _version_matches(version: str) -> dict | None:
    entry = _read(ontology_files(current_app.extensions["seckg.config"]))
    _, version_iri = _ontology_iri(entry["graph"])
    base = current_app.extensions["seckg.config"].base
    return entry if version_iri is not None and str(version_iri) == f"{base}ontology/{version}" else None


def _has_owlxml() -> bool:
    return isinstance(_read(ontology_files(current_app.extensions["seckg.config"]))["owx"], bytes)


@bp.route("/ontology")
def ontology() -> Response:
    return _negotiated_redirect("ontology", _has_owlxml())


@bp.route("/ontology.<ext>")
def ontology_document(ext: str) -> Response:
    if ext not in (*_RDF_EXTENSIONS, "owx", "html"):
        return error_response(404, f"404 Not Found: the ontology is served as .html, .ttl, .nt, .jsonld, .rdf "
                                   f"and .owx, not .{ext}")
    entry = _read(ontology_files(current_app.extensions["seckg.config"]))
    html = render_template("ontology.html", doc=_documentation(entry)) if ext == "html" else ""
    return _serve(entry, ext, html)


@bp.route("/ontology/<version>")
def ontology_version(version: str) -> Response:
    stem, dot, ext = version.rpartition(".")
    if dot and ext in (*_RDF_EXTENSIONS, "owx", "html"):
        entry = _version_matches(stem)
        if entry is None:
            return error_response(404, f"404 Not Found: no ontology version {stem!r} is served here")
        html = render_template("ontology.html", doc=_documentation(entry)) if ext == "html" else ""
        return _serve(entry, ext, html)
    if _version_matches(version) is None:
        return error_response(404, f"404 Not Found: no ontology version {version!r} is served here")
    return _negotiated_redirect(f"ontology/{version}", _has_owlxml())


def _shapes_view(graph: Graph) -> list[dict]:
    shapes = []
    for shape in set(graph.subjects(RDF.type, SH.NodeShape)):
        targets = [shorten(str(t), display_prefixes(current_app.extensions["seckg.config"].base))
                   for p in (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)
                   for t in graph.objects(shape, p)]
        messages = sorted({str(m) for node in (shape, *graph.objects(shape, SH.property), *graph.objects(shape, SH.sparql))
                           for m in graph.objects(node, SH.message)})
        iri = str(shape)
        shapes.append({"id": iri.rpartition("#")[2] or iri, "iri": iri, "targets": sorted(targets),
                       "messages": messages})
    return sorted(shapes, key=lambda s: s["id"])


@bp.route("/shapes")
def shapes() -> Response:
    return _negotiated_redirect("shapes")


@bp.route("/shapes.<ext>")
def shapes_document(ext: str) -> Response:
    if ext not in (*_RDF_EXTENSIONS, "html"):
        return error_response(404, f"404 Not Found: the shapes are served as .html, .ttl, .nt, .jsonld and .rdf, "
                                   f"not .{ext}")
    files = shape_files(current_app.extensions["seckg.config"])
    entry = _read(files) if files else {"turtle": b"", "triples": [], "graph": Graph()}
    html = render_template("shapes.html", shapes=_shapes_view(entry["graph"]),
                           files=[p.name for p in files]) if ext == "html" else ""
    return _serve(entry, ext, html)
