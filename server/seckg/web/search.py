"""Search by label: /search (a page that works without JavaScript) and /api/search (JSON for autocompletion).

Organizations, states, persons and events are found by any of their labels
(rdfs:label, skos:prefLabel, skos:altLabel, sec:abbreviation) in any language.
A query matches a label that starts with it, or a word in it that does, with
case and accents ignored ("collective sec" finds the Collective Security Treaty
Organization, "odkb" does not but "ОДКБ" and "одкб" do). SPARQL cannot fold
accents, so each worker reads the labels once into memory; the graph it
serves does not change while it runs.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, jsonify, render_template, request

from seckg.web.resources import Unavailable, best_label, local_href, select
from seckg.web.sparql import error_response

bp = Blueprint("search", __name__, template_folder="templates")

SEC = "https://w3id.org/seckg/ontology#"
ORG = "http://www.w3.org/ns/org#"
# Kinds in the order results of equal quality are listed; an entity of two kinds gets the first.
KINDS = {
    # org:Organization covers the others in the seckg ontology; they are named too so that a graph
    # that leaves out part of W3C ORG's class tree is still searched.
    "organization": (ORG + "Organization", ORG + "FormalOrganization", ORG + "OrganizationalUnit",
                     SEC + "InternationalOrganization"),
    "state": (SEC + "State",),
    "person": (SEC + "Person", "http://xmlns.com/foaf/0.1/Person"),
    "event": (SEC + "Event", ORG + "ChangeEvent"),
}
NAME_PROPERTIES = ("http://www.w3.org/2000/01/rdf-schema#label", "http://www.w3.org/2004/02/skos/core#prefLabel",
                   "http://www.w3.org/2004/02/skos/core#altLabel", SEC + "abbreviation")
DISPLAY_PROPERTIES = NAME_PROPERTIES[:2]
MAX_QUERY_LENGTH = 200
JSON_LIMIT, JSON_MAX_LIMIT, PAGE_LIMIT = 10, 50, 100


def fold(text: str) -> str:
    """Lower case, accents and punctuation dropped, spaces collapsed: the form labels are compared in."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return " ".join(re.sub(r"[\W_]+", " ", bare).split())


@dataclass
class Entry:
    iri: str
    kind: str
    labels: list[tuple[str, str | None, str]] = field(default_factory=list)  # text, language, folded
    display: list[ox.Literal] = field(default_factory=list)


@dataclass(frozen=True)
class Hit:
    iri: str
    kind: str
    label: str
    matched: str
    lang: str | None
    quality: int  # 0 the whole label, 1 its start, 2 the start of a later word


def _index_query() -> str:
    roots = " ".join(f'(<{root}> "{kind}" {rank})' for rank, (kind, classes) in enumerate(KINDS.items())
                     for root in classes)
    names = " ".join(f"<{p}>" for p in NAME_PROPERTIES)
    return f"""SELECT ?s ?rank ?kind ?p ?label WHERE {{
  VALUES (?root ?kind ?rank) {{ {roots} }}
  ?s a ?class . ?class <http://www.w3.org/2000/01/rdf-schema#subClassOf>* ?root .
  VALUES ?p {{ {names} }}
  ?s ?p ?label .
  FILTER(isIRI(?s) && isLiteral(?label))
}}"""


def build_index() -> list[Entry]:
    """Every searchable entity with its labels, read through the app's query runner."""
    entries: dict[str, tuple[int, Entry]] = {}
    for row in select(_index_query()):
        iri, rank, kind = row["s"].value, int(row["rank"].value), row["kind"].value
        known = entries.get(iri)
        if known is None or rank < known[0]:
            entry = Entry(iri, kind, known[1].labels if known else [], known[1].display if known else [])
            entries[iri] = known = (rank, entry)
        entry = known[1]
        label = row["label"]
        item = (label.value, label.language, fold(label.value))
        if item not in entry.labels:
            entry.labels.append(item)
            if row["p"].value in DISPLAY_PROPERTIES:
                entry.display.append(label)
    return [entry for _, entry in entries.values()]


def _index() -> list[Entry]:
    index = current_app.extensions.get("seckg.search_index")
    if index is None:
        index = current_app.extensions["seckg.search_index"] = build_index()
    return index


def search(query: str, kind: str | None = None) -> list[Hit]:
    """Entities with a label matching `query`, best matches first."""
    wanted = fold(query)
    if not wanted:
        return []
    hits = []
    for entry in _index():
        if kind and entry.kind != kind:
            continue
        best = None
        for text, lang, folded in entry.labels:
            if folded == wanted:
                quality = 0
            elif folded.startswith(wanted):
                quality = 1
            elif f" {wanted}" in f" {folded}":
                quality = 2
            else:
                continue
            if best is None or (quality, len(text)) < (best[0], len(best[1])):
                best = (quality, text, lang)
        if best is not None:
            display = best_label(entry.display) or best[1]
            hits.append(Hit(entry.iri, entry.kind, display, best[1], best[2], best[0]))
    order = list(KINDS)
    hits.sort(key=lambda h: (h.quality, order.index(h.kind), len(h.label), h.label.casefold(), h.iri))
    return hits


class BadSearch(ValueError):
    pass


def _arguments() -> tuple[str, str | None]:
    query = request.args.get("q")
    if query is None:
        raise BadSearch("pass the words to look for as q, e.g. /api/search?q=collective+sec")
    if len(query) > MAX_QUERY_LENGTH:
        raise BadSearch(f"q is {len(query)} characters long; at most {MAX_QUERY_LENGTH} are looked up")
    kind = request.args.get("kind") or None
    if kind is not None and kind not in KINDS:
        raise BadSearch(f"kind must be one of {', '.join(KINDS)}, got {kind!r}")
    return query, kind


def _hit_json(hit: Hit) -> dict:
    return {"iri": hit.iri, "href": local_href(hit.iri), "label": hit.label, "kind": hit.kind,
            "matched": hit.matched, "lang": hit.lang}


@bp.route("/api/search")
def search_json() -> Response:
    try:
        query, kind = _arguments()
        raw_limit = request.args.get("limit", str(JSON_LIMIT))
        if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= JSON_MAX_LIMIT:
            raise BadSearch(f"limit must be a whole number from 1 to {JSON_MAX_LIMIT}, got {raw_limit!r}")
        hits = search(query, kind)
    except BadSearch as error:
        return error_response(400, str(error))
    except Unavailable as error:
        return error_response(error.status, str(error), error.headers)
    return jsonify({"query": query, "total": len(hits), "results": [_hit_json(h) for h in hits[:int(raw_limit)]]})


@bp.route("/search")
def search_page() -> Response:
    query, kind, hits, problem = request.args.get("q", ""), None, [], None
    if query.strip():
        try:
            query, kind = _arguments()
            hits = search(query, kind)
        except BadSearch as error:
            problem = str(error)
        except Unavailable as error:
            return error_response(error.status, str(error), error.headers)
    html = render_template("search.html", query=query, kind=kind, kinds=list(KINDS), problem=problem,
                           total=len(hits), hits=[_hit_json(h) for h in hits[:PAGE_LIMIT]])
    return Response(html, status=400 if problem else 200, content_type="text/html; charset=utf-8")


OPENAPI_PATHS = {"/api/search": {"get": {
    "operationId": "search",
    "summary": "Find organizations, states, persons and events by label",
    "description": "Labels in any language match when they, or one of their words, start with q; case and "
                   "accents are ignored. Best matches first: the whole label, then its start, then a later word.",
    "parameters": [
        {"name": "q", "in": "query", "required": True, "description": "The start of a label",
         "schema": {"type": "string", "maxLength": MAX_QUERY_LENGTH}, "example": "collective sec"},
        {"name": "kind", "in": "query", "required": False, "description": "Only entities of this kind",
         "schema": {"type": "string", "enum": list(KINDS)}},
        {"name": "limit", "in": "query", "required": False, "description": "How many results to return",
         "schema": {"type": "integer", "minimum": 1, "maximum": JSON_MAX_LIMIT, "default": JSON_LIMIT}},
    ],
    "responses": {
        "200": {"description": "The query, the number of matches and the best of them (iri, href on this "
                               "server, label, kind, the label that matched and its language)",
                "content": {"application/json": {}}},
        "400": {"description": "q is missing or too long, or kind or limit is not valid"},
        "503": {"description": "The server is busy (see Retry-After)"},
    },
}}}


@bp.record_once
def _describe_in_openapi(state) -> None:
    state.app.extensions.setdefault("seckg.openapi_paths", {}).update(OPENAPI_PATHS)
