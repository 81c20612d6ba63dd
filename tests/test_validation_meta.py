"""The shapes graph itself conforms to SHACL-for-SHACL (the W3C shacl-shacl shapes, which
pyshacl ships and applies with meta_shacl=True), so a malformed constraint is caught here rather
than silently ignored by the validator."""

from __future__ import annotations

from pathlib import Path

import pyshacl
import pytest
from pyshacl.errors import ReportableRuntimeError
from rdflib import Graph

REPO = Path(__file__).resolve().parents[1]


def shapes_graph() -> Graph:
    graph = Graph()
    for path in sorted((REPO / "shapes").glob("*.ttl")):
        graph.parse(path, format="turtle")
    return graph


def test_shapes_conform_to_shacl_for_shacl():
    conforms, _, text = pyshacl.validate(Graph(), shacl_graph=shapes_graph(), meta_shacl=True)
    assert conforms, text


def test_a_malformed_shape_is_refused():
    """The check above can fail: sh:minCount must be one integer."""
    graph = Graph()
    graph.parse(
        data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        <https://w3id.org/seckg/shapes#Broken> a sh:NodeShape ;
            sh:property [ sh:path <https://example.org/p> ; sh:minCount "one" ] .
        """,
        format="turtle",
    )
    with pytest.raises(ReportableRuntimeError, match="MetaSHACL"):
        pyshacl.validate(Graph(), shacl_graph=graph, meta_shacl=True)
