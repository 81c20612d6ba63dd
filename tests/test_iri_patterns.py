"""The IRI patterns of shapes/iris.ttl: every kind of resource in the data has one, and under
another base the patterns follow the base (seckg.iri_patterns). That each pattern fires on an IRI
off the design is shown by the iri-*.ttl fixtures of tests/fixtures/shapes/, and that none fires
on good IRIs by the repository conforming (tests/test_shapes.py)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.namespace import RDF, RDFS, SH

from seckg.config import DEFAULT_BASE, Config
from seckg.iri_patterns import rebase_patterns, regex_escape
from seckg.loading import load
from seckg.validation import validate

REPO = Path(__file__).resolve().parents[1]
IRI_SHAPES = REPO / "shapes" / "iris.ttl"


def test_every_kind_of_resource_in_the_data_has_an_iri_pattern():
    """Resources under id/ and graph/; the ontology's terms (ontology#…) are shapes/ontology-style.ttl's."""
    loaded = load(Config(root=REPO))
    graph, shapes = loaded.union_graph, Graph().parse(IRI_SHAPES)
    targeted = set(shapes.objects(None, SH.targetClass))
    untargeted = sorted({
        str(t) for s, t in graph.subject_objects(RDF.type)
        if isinstance(s, URIRef) and str(s).startswith((DEFAULT_BASE + "id/", DEFAULT_BASE + "graph/"))
        and not targeted & set(graph.transitive_objects(t, RDFS.subClassOf))
    })
    assert not untargeted, "classes of resources under the base without a shape in shapes/iris.ttl:\n" + "\n".join(
        untargeted)


def test_regex_escape_matches_the_base_literally():
    base = "http://example.org/k.g+(x)/"
    assert re.fullmatch(regex_escape(base), base)
    assert not re.fullmatch(regex_escape(base), "http://exampleXorg/k.g+(x)/")
    assert regex_escape(DEFAULT_BASE) == "https://w3id\\.org/seckg/"


def test_rebasing_rewrites_only_patterns_anchored_on_the_default_base():
    shapes = Graph().parse(IRI_SHAPES)
    anchored = [p for p in shapes.objects(None, SH.pattern) if str(p).startswith("^https://w3id\\.org/seckg/")]
    assert rebase_patterns(shapes, DEFAULT_BASE) == 0
    assert rebase_patterns(shapes, "http://example.org/kg/") == len(anchored) > 0
    assert all(str(p).startswith("^http://example\\.org/kg/") for p in shapes.objects(None, SH.pattern))


STATES = """\
@prefix sec: <https://w3id.org/seckg/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<id/state/ARM> a sec:State ; rdfs:label "Armenia"@en .
<id/state/Arm> a sec:State ; rdfs:label "Armenia, mistyped"@en .
<https://w3id.org/seckg/id/state/Kaz> a sec:State ; rdfs:label "Kazakhstan under the default base"@en .
"""


def test_under_another_base_the_patterns_follow_the_base(tmp_path):
    """Relative IRIs in the data resolve against the configured base, and so do the patterns: the
    mistyped state under that base is reported, the well-formed one is not, and an IRI under the
    default base is outside this repository's base, so not held to its design."""
    for folder in ("ontology", "shapes"):
        shutil.copytree(REPO / folder, tmp_path / folder)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "states.ttl").write_text(STATES, encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text("", encoding="utf-8")
    report = validate(load(Config(root=tmp_path, base="http://example.org/kg/")))
    flagged = {f.node for f in report.findings if f.shape == "secsh:StateIRIShape"}
    assert flagged == {"http://example.org/kg/id/state/Arm"}
