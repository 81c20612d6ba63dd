"""Moves RDF terms from pyoxigraph (store, parser) to rdflib (pyshacl, tooling).

Plain and language-tagged literals lose their implicit datatype on the way to
rdflib, because rdflib treats "x" and "x"^^xsd:string as different terms and
shapes written in Turtle use the plain form.
"""

from __future__ import annotations

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
_DIR_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#dirLangString"


def to_rdflib(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> Node:
    """The rdflib equivalent of a pyoxigraph term."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        if datatype == _XSD_STRING:
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(datatype))
    raise TypeError(f"unsupported RDF term for rdflib: {term!r}")


def datatype_of(term: ox.Literal) -> str | None:
    """The datatype IRI worth showing: None for xsd:string and language-tagged strings."""
    if term.language or term.datatype.value in (_XSD_STRING, _LANG_STRING, _DIR_LANG_STRING):
        return None
    return term.datatype.value
