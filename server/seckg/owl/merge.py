"""Merge ontology and data files into one N-Triples document for the OWL tools.

The OWL API and HermiT judge one ontology at a time, and data files alone do not
say which of their predicates are object or datatype properties; so ontology and
data are checked as a single graph, as they would be after a merge in Protégé.
pyoxigraph parses and writes here because it is ~40x faster than rdflib on
large files, and blank nodes are renamed per file so they cannot collide.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable
from pathlib import Path

from pyoxigraph import NamedNode, RdfFormat, Triple, parse, serialize

CATALOG_NAME = "catalog-v001.xml"
_CATALOG_NS = "{urn:oasis:names:tc:entity:xmlns:xml:catalog}"
RDF_TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
OWL_ONTOLOGY = NamedNode("http://www.w3.org/2002/07/owl#Ontology")
OWL_IMPORTS = NamedNode("http://www.w3.org/2002/07/owl#imports")


def _format(path: Path) -> RdfFormat:
    """Syntax from the extension; .owl is RDF/XML as Protégé saves it, unknown is Turtle."""
    if path.suffix.lower() in (".owl", ".rdf", ".xml"):
        return RdfFormat.RDF_XML
    return RdfFormat.from_extension(path.suffix.lstrip(".").lower()) or RdfFormat.TURTLE


def parse_file(path: Path | str) -> list[Triple]:
    """All triples of one RDF file, relative IRIs resolved against the file, blank nodes made unique."""
    path = Path(path).resolve()
    return [q.triple for q in parse(path=str(path), format=_format(path), base_iri=path.as_uri(),
                                     rename_blank_nodes=True)]


def write_ntriples(triples: Iterable[Triple], destination: Path | str) -> None:
    serialize(triples, output=str(destination), format=RdfFormat.N_TRIPLES)


def read_catalog(directory: Path) -> dict[str, Path]:
    """Map ontology IRIs to local files from an OASIS catalog, the way Protégé resolves imports offline."""
    catalog = directory / CATALOG_NAME
    if not catalog.is_file():
        return {}
    mapping: dict[str, Path] = {}

    def walk(element: ET.Element, base: Path) -> None:
        xml_base = element.get("{http://www.w3.org/XML/1998/namespace}base")
        if xml_base:
            base = (base / xml_base).resolve()
        if element.tag in (f"{_CATALOG_NS}uri", "uri") and element.get("name") and element.get("uri"):
            target = element.get("uri", "")
            target = target.removeprefix("file:")
            mapping[element.get("name", "")] = (base / target).resolve()
        for child in element:
            walk(child, base)

    walk(ET.parse(catalog).getroot(), directory.resolve())
    return mapping


def ontology_iris(triples: Iterable[Triple]) -> list[str]:
    """Named ontology headers (``<iri> a owl:Ontology``), in file order."""
    seen: dict[str, None] = {}
    for t in triples:
        if t.predicate == RDF_TYPE and t.object == OWL_ONTOLOGY and isinstance(t.subject, NamedNode):
            seen.setdefault(t.subject.value, None)
    return list(seen)


def imported_iris(triples: Iterable[Triple]) -> set[str]:
    return {t.object.value for t in triples if t.predicate == OWL_IMPORTS and isinstance(t.object, NamedNode)}


def _without_headers(triples: list[Triple], keep: str | None) -> list[Triple]:
    """Drop ``owl:Ontology`` typing of every header but ``keep``; the headers' annotations stay."""
    return [t for t in triples
            if not (t.predicate == RDF_TYPE and t.object == OWL_ONTOLOGY and t.subject.value != keep)]


def merge_files(files: Iterable[Path | str], *, inline_imports: bool) -> tuple[list[Triple], list[str]]:
    """Union the files into one graph with a single ontology header (the first file's).

    Other files' ``owl:Ontology`` typing is dropped (their annotations stay), and
    imports of ontologies that are part of the merge are removed, so the result is
    one ontology rather than several that import each other. With
    ``inline_imports`` every remaining import is read from the catalogs next to the
    files and merged in, then all ``owl:imports`` are removed: for tools that must
    not go to the network (owlready2 fetches imports itself). Returns the triples
    (duplicates removed) and the imports that could not be resolved locally.
    """
    paths = [Path(f).resolve() for f in files]
    if not paths:
        raise ValueError("no files to merge")
    merged: list[Triple] = []
    main_header: str | None = None
    present: set[str] = set()
    for i, path in enumerate(paths):
        triples = parse_file(path)
        headers = ontology_iris(triples)
        present.update(headers)
        if i == 0 and headers:
            main_header = headers[0]
        merged += _without_headers(triples, main_header)

    catalog: dict[str, Path] = {}
    for directory in dict.fromkeys(p.parent for p in paths):
        for iri, target in read_catalog(directory).items():
            catalog.setdefault(iri, target)

    unresolved: list[str] = []
    while inline_imports:
        pending = sorted(imported_iris(merged) - present)
        if not pending:
            break
        for iri in pending:
            present.add(iri)
            target = catalog.get(iri)
            if target is None or not target.is_file():
                unresolved.append(iri)
                continue
            imported = parse_file(target)
            present.update(ontology_iris(imported))
            merged += _without_headers(imported, main_header)

    merged = [t for t in dict.fromkeys(merged)
              if not (t.predicate == OWL_IMPORTS and (inline_imports or t.object.value in present))]
    return merged, sorted(set(unresolved))
