"""Expected answers and the check that a server's answer is one of them.

The expected answer of every benchmark request is computed in this process by pyoxigraph over
the same files the servers load (one named graph per file, queries over their union). A
server's answer is compared after normalizing what the protocol leaves free: row and triple
order, blank node labels, JSON key order, and xsd:string written out or left implicit. A
server that answers fast but differently fails the run.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_HASHED_ABOVE = 50_000


class WrongAnswer(AssertionError):
    """A server's answer differs from the expected one."""


@dataclass(frozen=True)
class Expected:
    """A normalized answer: SELECT rows, an ASK boolean, or a set of triples."""

    kind: str  # "rows", "boolean" or "triples"
    value: object

    def describe(self) -> str:
        if self.kind == "rows":
            return f"{sum(count for _, count in self.value[1])} rows"
        return f"{len(self.value)} triples" if self.kind == "triples" else f"boolean {self.value}"


def _term(binding: dict | None) -> tuple:
    if binding is None:
        return ()
    kind = binding["type"]
    if kind == "bnode":
        return ("bnode",)
    if kind == "uri":
        return ("uri", binding["value"])
    lang = binding.get("xml:lang")
    datatype = binding.get("datatype")
    if lang:
        return ("literal", binding["value"], "@" + lang.lower())
    return ("literal", binding["value"], "" if datatype in (None, XSD_STRING) else datatype)


def results_from_json(body: bytes) -> Expected:
    """SPARQL 1.1 JSON results as a multiset of rows (or a boolean)."""
    data = json.loads(body)
    if "boolean" in data:
        return Expected("boolean", bool(data["boolean"]))
    names = data["head"]["vars"]
    rows = Counter(tuple(_term(b.get(n)) for n in names) for b in data["results"]["bindings"])
    return Expected("rows", (tuple(names), frozenset(rows.items())))


def _ox_term(term) -> str:
    return "_:" if isinstance(term, ox.BlankNode) else str(term)


def triples_from(body: bytes, media: str) -> Expected:
    """An RDF answer as a set of triples with blank nodes made anonymous; named graphs dropped.
    RDF/XML is recognised by its first bytes whatever the Content-Type says (rdflib-endpoint
    labels DESCRIBE answers as SPARQL results XML)."""
    if body.lstrip().startswith(b"<?xml") or body.lstrip().startswith(b"<rdf:RDF"):
        fmt = ox.RdfFormat.RDF_XML
    else:
        fmt = ox.RdfFormat.from_media_type(media.split(";")[0].strip()) or ox.RdfFormat.N_TRIPLES
    return _triples((_ox_term(t.subject), _ox_term(t.predicate), _ox_term(t.object)) for t in ox.parse(body, format=fmt))


def _triples(triples) -> Expected:
    """A set of triples; a large one (a dump) is kept as hashes of its triples to save memory."""
    found = frozenset(triples)
    if len(found) > _HASHED_ABOVE:
        found = frozenset(hash(t) for t in found)
    return Expected("triples", found)


def normalize(body: bytes, media: str) -> Expected:
    media = media.split(";")[0].strip().lower()
    if media in ("application/sparql-results+json", "application/json"):
        return results_from_json(body)
    return triples_from(body, media)


def check(expected: Expected, body: bytes, media: str, where: str) -> None:
    """Raise `WrongAnswer` naming `where` unless the answer equals `expected`."""
    try:
        got = normalize(body, media)
    except (ValueError, SyntaxError, KeyError) as error:
        raise WrongAnswer(f"{where}: unreadable answer ({media}): {error}; starts {body[:200]!r}") from None
    if got != expected:
        raise WrongAnswer(f"{where}: expected {expected.describe()}, got {got.describe()}"
                          + _difference(expected, got))


def _difference(expected: Expected, got: Expected) -> str:
    if expected.kind != got.kind or expected.kind == "boolean":
        return ""
    if expected.kind == "rows":
        want, have = dict(expected.value[1]), dict(got.value[1])
    else:
        want, have = {t: 1 for t in expected.value}, {t: 1 for t in got.value}
    missing = [k for k in want if have.get(k) != want[k]][:2]
    extra = [k for k in have if want.get(k) != have[k]][:2]
    return f"; missing e.g. {missing}; unexpected e.g. {extra}"


class Reference:
    """The files loaded into an in-process pyoxigraph store, to compute expected answers."""

    def __init__(self, files: list[tuple[Path, str]]):
        self.store = ox.Store()
        for path, graph in files:
            self.store.bulk_load(path=str(path), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(graph))

    def expected(self, sparql: str) -> Expected:
        answer = self.store.query(sparql, use_default_graph_as_union=True)
        if isinstance(answer, ox.QueryTriples):
            return _triples((_ox_term(t.subject), _ox_term(t.predicate), _ox_term(t.object)) for t in answer)
        return results_from_json(answer.serialize(format=ox.QueryResultsFormat.JSON))

    def union(self) -> Expected:
        return self.expected("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")
