"""The view model of an entity page: the description regrouped for reading.

Kept apart from the template so the template only lays out plain values
(text, hrefs, lists); every value that came from the data reaches the HTML
through Jinja's autoescaping, never as markup.
"""

from __future__ import annotations

from collections import defaultdict

import pyoxigraph as ox
from flask import current_app

from seckg.web.resources import (
    EXTENSIONS,
    INCOMING_HEADINGS,
    ORG,
    RDF_TYPE,
    Description,
    literal_view,
    local_href,
    select,
    short,
    sparql_link,
)

TIME = "http://www.w3.org/2006/time#"
# Post holdings are org:Memberships too; the timeline table is about members of organizations.
POST_HOLDING = "https://w3id.org/seckg/ontology#PostHolding"
DCTERMS_SOURCE = "http://purl.org/dc/terms/source"
_DATE = f"<{TIME}inXSDDate>|<{TIME}inXSDgYearMonth>|<{TIME}inXSDgYear>"


def _memberships_query(iri: str) -> str:
    node = str(ox.NamedNode(iri))
    return f"""SELECT DISTINCT ?m ?org ?member ?role ?start ?end ?source WHERE {{
  {{ ?m <{ORG}organization> {node} }} UNION {{ ?m <{ORG}member> {node} }}
  ?m <{ORG}organization> ?org ; <{ORG}member> ?member .
  OPTIONAL {{ ?m <{ORG}role> ?role }}
  OPTIONAL {{ ?m <{ORG}memberDuring>/<{TIME}hasBeginning>/({_DATE}) ?start }}
  OPTIONAL {{ ?m <{ORG}memberDuring>/<{TIME}hasEnd>/({_DATE}) ?end }}
  OPTIONAL {{ ?m <{DCTERMS_SOURCE}> ?source }}
  OPTIONAL {{ ?m a ?holding FILTER(?holding = <{POST_HOLDING}>) }}
  FILTER(!BOUND(?holding))
}}"""


def fetch_memberships(iri: str) -> dict[str, list[dict]]:
    """Memberships where `iri` is the organization ("members") or the member ("member_of"),
    one row per membership node, ordered by start so the table reads as a timeline."""
    rows: dict[str, dict] = {}
    for sol in select(_memberships_query(iri)):
        key = sol["m"].value
        row = rows.setdefault(key, {
            "membership": key, "org": sol["org"].value, "member": sol["member"].value,
            "roles": set(), "start": sol["start"], "end": sol["end"], "sources": set()})
        if sol["role"] is not None:
            row["roles"].add(sol["role"].value)
        if sol["source"] is not None:
            row["sources"].add(sol["source"].value)
        for name in ("start", "end"):  # keep the earliest start and the latest end if several are given
            value = sol[name]
            if value is not None and (row[name] is None or (value.value < row[name].value) == (name == "start")):
                row[name] = value
    grouped: dict[str, list[dict]] = {"members": [], "member_of": []}
    for row in rows.values():
        row["iris"] = {row["membership"], row["org"], row["member"], *row["roles"], *row["sources"]}
        if row["org"] == iri:
            grouped["members"].append(row)
        if row["member"] == iri:
            grouped["member_of"].append(row)
    for found in grouped.values():
        found.sort(key=lambda r: (r["start"].value if r["start"] is not None else "9999", r["membership"]))
    return grouped


def _link(description: Description, iri: str) -> dict:
    return {"kind": "link", "href": local_href(iri), "iri": iri, "text": description.label(iri) or short(iri)}


def _graph_link(description: Description, graph: str) -> dict:
    base = current_app.extensions["seckg.config"].base + "graph/"
    text = graph[len(base):] + ".ttl" if graph.startswith(base) else short(graph)
    return {"href": local_href(graph), "iri": graph, "text": text}


def _value(description: Description, term: ox.Term, graph: str, nested: dict, depth: int) -> dict:
    if isinstance(term, ox.NamedNode):
        view = _link(description, term.value)
    elif isinstance(term, ox.BlankNode):
        inner = nested.get(term, [])
        view = {"kind": "nested", "properties": _properties(description, inner, nested, depth + 1)
                if depth < 8 else []}
    else:
        view = literal_view(term)
    view["graph"] = _graph_link(description, graph)
    return view


def _properties(description: Description, quads, nested: dict, depth: int = 0) -> list[dict]:
    """Triples of one subject grouped by predicate, predicates in order of their labels."""
    by_predicate: dict[str, list] = defaultdict(list)
    for _, p, o, g in quads:
        by_predicate[p.value].append((o, g))
    grouped = []
    for predicate, values in by_predicate.items():
        values.sort(key=lambda v: (str(v[0]), v[1]))
        grouped.append({"predicate": _link(description, predicate),
                        "values": [_value(description, o, g, nested, depth) for o, g in values]})
    grouped.sort(key=lambda group: (group["predicate"]["iri"] != RDF_TYPE, group["predicate"]["text"].lower()))
    return grouped


def _membership_rows(description: Description, rows: list[dict], other: str) -> list[dict]:
    return [{
        "membership": _link(description, row["membership"]),
        "other": _link(description, row[other]),
        "roles": [_link(description, r) for r in sorted(row["roles"])],
        "start": row["start"].value if row["start"] is not None else "",
        "end": row["end"].value if row["end"] is not None else "",
        "sources": [_link(description, s) for s in sorted(row["sources"])],
    } for row in rows]


def build_page(description: Description, memberships: dict[str, list[dict]]) -> dict:
    """Everything entity.html shows, as plain values."""
    iri = description.iri
    subject = ox.NamedNode(iri)
    own = [q for q in description.outgoing if q[0] == subject]
    nested: dict[ox.BlankNode, list] = defaultdict(list)
    for quad in description.outgoing:
        if isinstance(quad[0], ox.BlankNode):
            nested[quad[0]].append(quad)
    in_tables = {row["membership"] for rows in memberships.values() for row in rows}
    incoming: dict[str, list] = defaultdict(list)
    for s, p, _, g in description.incoming:
        if s.value in in_tables or s == subject:
            continue
        entry = _link(description, s.value) if isinstance(s, ox.NamedNode) else {"kind": "blank", "text": "(a blank node)"}
        entry["graph"] = _graph_link(description, g)
        incoming[p.value].append(entry)
    incoming_groups = []
    for predicate, entries in incoming.items():
        entries.sort(key=lambda e: e["text"].lower())
        label = description.label(predicate) or short(predicate)
        incoming_groups.append({"heading": INCOMING_HEADINGS.get(predicate, f"Linked here as “{label}”"),
                                "predicate": _link(description, predicate), "entries": entries})
    incoming_groups.sort(key=lambda group: group["heading"].lower())
    graphs = sorted({g for *_, g in (*description.outgoing, *description.incoming)})
    sources = [{"graph": _graph_link(description, g),
                "derived_from": [_link(description, s) for s in description.derived_from.get(g, [])]}
               for g in graphs]
    labels = sorted({(lit.value, lit.language or "") for lit in description.labels.get(iri, [])})
    here = local_href(iri)
    return {
        "iri": iri,
        "title": description.label(iri) or short(iri),
        "labels": [{"text": text, "lang": lang} for text, lang in labels],
        "types": [_link(description, o.value) for _, p, o, _ in own
                  if p.value == RDF_TYPE and isinstance(o, ox.NamedNode)],
        "properties": _properties(description, own, nested),
        "members": _membership_rows(description, memberships.get("members", []), "member"),
        "member_of": _membership_rows(description, memberships.get("member_of", []), "org"),
        "incoming": incoming_groups,
        "sources": sources,
        "variants": [{"ext": ext, "media": offer.media, "href": f"{here}.{ext}"}
                     for ext, offer in EXTENSIONS.items() if ext != "html"],
        "sparql": sparql_link(iri),
    }
