"""The vocabularies seckg reuses, named once so code, queries and output agree on prefixes."""

from rdflib import OWL, RDF, RDFS, SH, XSD, Namespace

SEC = Namespace("https://w3id.org/seckg/ontology#")
ORG = Namespace("http://www.w3.org/ns/org#")
TIME = Namespace("http://www.w3.org/2006/time#")
PROV = Namespace("http://www.w3.org/ns/prov#")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
DCTERMS = Namespace("http://purl.org/dc/terms/")
VANN = Namespace("http://purl.org/vocab/vann/")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
SCHEMA = Namespace("https://schema.org/")
WD = Namespace("http://www.wikidata.org/entity/")
WDT = Namespace("http://www.wikidata.org/prop/direct/")

PREFIXES: dict[str, str] = {
    "sec": str(SEC),
    "org": str(ORG),
    "time": str(TIME),
    "prov": str(PROV),
    "skos": str(SKOS),
    "dcterms": str(DCTERMS),
    "vann": str(VANN),
    "foaf": str(FOAF),
    "schema": str(SCHEMA),
    "wd": str(WD),
    "wdt": str(WDT),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "owl": str(OWL),
    "xsd": str(XSD),
    "sh": str(SH),
}


def display_prefixes(base: str, declared: dict[str, str] | None = None) -> dict[str, str]:
    """Prefixes for human-facing output: the known ones, then those the files declare, then
    `id:` and `graph:` for the project's own IRIs; a name already taken keeps its namespace."""
    prefixes = dict(PREFIXES)
    for name, namespace in {**(declared or {}), "id": f"{base}id/", "graph": f"{base}graph/"}.items():
        prefixes.setdefault(name, namespace)
    return prefixes


def shorten(iri: str, prefixes: dict[str, str]) -> str:
    """`prefix:local` using the longest matching namespace, else `<iri>`."""
    best = max((ns for ns in prefixes.values() if iri.startswith(ns)), key=len, default=None)
    if best is None:
        return f"<{iri}>"
    name = next(p for p, ns in prefixes.items() if ns == best)
    return f"{name}:{iri[len(best) :]}"
