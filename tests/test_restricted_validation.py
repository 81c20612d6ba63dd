"""A write's validation, restricted to the nodes it touches, finds what a full validation finds
about them.

The set-wise engine decides each shape's targets among a write's focus nodes without computing
the whole target set (SPARQL targets with ?this bound, class targets by the node's own types),
and reads a focus node's values by looking them up rather than scanning their predicate. Each
test here fails if that fast path loses a finding: the restricted targets are compared with the
whole graph's, shape by shape, and a write's findings with pySHACL's over the whole graph.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import BNode, URIRef
from rdflib.namespace import RDF, SH

from seckg.config import Config
from seckg.loading import load
from seckg.setwise_shacl import Run, ox_term
from seckg.transactions import Change, Trial
from seckg.terms import to_rdflib
from seckg.validation import program_for, validate, validate_focus_nodes

from test_validation_incremental import copy_repo

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures" / "shapes"
sys.path.insert(0, str(REPO / "bench"))

DECLARED = "https://w3id.org/seckg/shapes#DeclaredPropertyShape"

pytestmark = pytest.mark.slow(60)  # pySHACL over a 10k-triple graph


# An undeclared property on a blank node (a membership's instant): its target and its findings
# are reached through the IRI that owns it, as no query can name a blank node.
BLANK_SLIP = """
@prefix fx: <https://example.org/fixture/> .
@prefix time: <http://www.w3.org/2006/time#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
fx:misspelt-instant a <https://w3id.org/seckg/ontology#OrganizationMembership> ;
    <http://www.w3.org/2000/01/rdf-schema#label> "State A in the organization, instant misspelt"@en ;
    <http://www.w3.org/ns/org#organization> fx:org ;
    <http://www.w3.org/ns/org#member> fx:state-A ;
    <http://www.w3.org/ns/org#role> <https://w3id.org/seckg/ontology#Observer> ;
    <http://www.w3.org/ns/org#memberDuring> [ a time:Interval ;
        time:hasBeginning [ a time:Instant ; time:inXSDDatee "2002-01-01"^^xsd:date ] ;
        time:hasEnd [ a time:Instant ; time:inXSDDate "2001-01-01"^^xsd:date ] ] ;
    <http://purl.org/dc/terms/source> fx:source .
"""


@pytest.fixture(scope="module")
def every_fixture(tmp_path_factory):
    """The repository's data with every negative fixture and BLANK_SLIP, and a sample of its
    nodes: a third of them, every blank node, and the misspelt ones."""
    tmp_path = tmp_path_factory.mktemp("fixtures")
    config = copy_repo(tmp_path, [*sorted((REPO / "data").glob("**/*.ttl")), *sorted(FIXTURES.glob("*.ttl"))])
    (config.data_dir / "blank-slip.ttl").write_text(BLANK_SLIP, encoding="utf-8")
    loaded = load(config)
    nodes = {t for q in loaded.store for t in (q.subject, q.object) if not isinstance(t, ox.Literal)}
    focus = {n for i, n in enumerate(sorted(nodes, key=str))
             if i % 3 == 0 or isinstance(n, ox.BlankNode) or "/misspelt-" in str(n)}
    return loaded, focus


def test_restricted_targets_are_the_whole_graph_targets_among_the_focus(every_fixture):
    """Each shape's targets among the sample are exactly its targets over the whole graph
    intersected with the sample."""
    loaded, focus = every_fixture
    program = program_for(loaded.shapes)
    compared = {}
    for node in program.top_level:
        shape = program.shape(node)
        whole = Run(program, loaded.store).focus_nodes(shape, None)
        restricted = Run(program, loaded.store).focus_nodes(shape, focus)
        assert restricted == whole & focus, shape.node
        compared[str(node)] = restricted
    # The misspelt-property fixture's membership, and BLANK_SLIP's blank instant.
    assert {type(n) for n in compared[DECLARED]} == {ox.NamedNode, ox.BlankNode}
    assert sum(1 for n in compared.values() if n) > 20


def test_the_duplicated_spell_target_is_the_same_grouped_for_the_graph_and_paired_for_a_write(every_fixture):
    """secsh:DuplicatedSpellShape's target groups the spells in a full run and pairs them, by its
    secsh:selectForFocusNodes, in a restricted one: both pick the duplicated-spell fixture's two
    copies, and the same nodes among a write's."""
    loaded, _ = every_fixture
    program = program_for(loaded.shapes)
    shape = program.shape(URIRef("https://w3id.org/seckg/shapes#DuplicatedSpellShape"))
    (whole_text, restricted_text), = program.targets(shape)[4]
    assert "GROUP BY" in whole_text and "GROUP BY" not in restricted_text
    copies = {ox.NamedNode(f"https://example.org/fixture/spell-copy-{n}") for n in (1, 2)}
    asked = copies | {ox.NamedNode("https://example.org/fixture/spell-later")}
    whole = Run(program, loaded.store).focus_nodes(shape, None)
    assert copies <= whole
    assert Run(program, loaded.store, restricted=True).focus_nodes(shape, asked) == whole & asked


def results(graph) -> Counter:
    """The results of a report graph as comparable tuples (both runs read one store, so blank
    node ids agree)."""
    kept = (SH.focusNode, SH.sourceShape, SH.sourceConstraintComponent, SH.sourceConstraint, SH.value,
            SH.resultMessage, SH.resultSeverity)
    return Counter(tuple(sorted((p, o) for p, o in graph.predicate_objects(r) if p in kept))
                   for r in graph.subjects(RDF.type, SH.ValidationResult))


def test_a_restricted_run_finds_what_a_full_run_finds_about_its_nodes(every_fixture):
    """Validating only the sample gives, result for result, the full validation's results about
    the sampled nodes, those about blank nodes included (BLANK_SLIP's instant)."""
    loaded, focus = every_fixture
    sampled = {to_rdflib(n) for n in focus}
    expected = Counter({r: n for r, n in results(validate(loaded, "setwise").graph).items()
                        if dict(r)[SH.focusNode] in sampled})
    assert results(validate_focus_nodes(loaded, sampled)) == expected
    assert any(isinstance(dict(r)[SH.focusNode], BNode) and dict(r)[SH.sourceShape] == URIRef(DECLARED)
               for r in expected)


def findings(report, node: str) -> Counter:
    return Counter(tuple(sorted(f.as_dict().items())) for f in report.findings if f.node == node)


def test_a_write_with_an_undeclared_property_is_reported_as_pyshacl_reports_it(tmp_path):
    """A write on a 10k-triple graph that gives a membership a misspelt property (org:rolee): the
    write's own validation reports about that membership exactly what pySHACL finds about it
    validating the whole graph after the write."""
    import synthetic

    synthetic.write_root(tmp_path, 10_000)
    loaded = load(Config(root=tmp_path))
    membership = ox.NamedNode(synthetic.ID + "membership/M1")
    (graph,) = {q.graph_name for q in loaded.store.quads_for_pattern(membership, None, None, None)}
    misspelt = ox.Quad(membership, ox.NamedNode("http://www.w3.org/ns/org#rolee"),
                       ox.NamedNode(synthetic.SEC + "FullMember"), graph)
    added = {misspelt}
    trial = Trial(loaded, Change(added=added))
    assert not trial.conforms
    written = findings(trial.report, membership.value)
    reference = findings(validate(loaded, "pyshacl"), membership.value)
    assert written == reference
    assert any(dict(f)["shape"] == "secsh:DeclaredPropertyShape" and dict(f)["path"] == "org:rolee" for f in written)
    trial.undo()
    assert not findings(validate(loaded, "setwise"), membership.value)
