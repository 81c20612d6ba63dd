"""The SHACL shapes: the repository's own graph conforms, every shape and every SPARQL constraint
fires on a fixture made to break it, every class in use has a shape, every rule says how to fix it.

Fixtures live in tests/fixtures/shapes/, each made to break one rule, and say in header comments
what they must produce, one result per line:

    # expect: focus=fx:node shape=secsh:SomeShape component=sh:MinCountConstraintComponent
    #         (optional: path=… constraint=secsh:SomeSparqlConstraint severity=sh:Warning)

`focus` is the resource a curator would edit: for a blank focus node (an interval, an instant)
the IRI that owns it, as `seckg validate` reports it. `shape` is the node shape, also when the
result comes from one of its property shapes. A fixture produces exactly the results it expects,
no more, so adding a fixture needs no change here. _context.ttl holds the valid resources the
fixtures refer to.

All fixtures are validated together in one run, with the ontology and the context, and each
result is given to the fixture that describes its focus node. That is the same as validating
them one by one because no fixture describes a subject of another or of the context, and the two
shapes that compare a node with nodes it does not link to never see nodes of two fixtures
together: secsh:DuplicatedSpellShape (spells of one member; checked below) and
secsh:UniqueLabelShape (labels within a kind; a label shared by two fixtures would show as a
result neither expects). But it takes one run, not one per fixture.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyshacl
import pytest
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib import namespace as rdflib_namespace
from rdflib import term as rdflib_term
from rdflib.namespace import OWL, RDF, RDFS, SH
from rdflib.term import Node

from seckg.reporting import render
from seckg.validation import PreparedQueryGraph, owning_resource

REPO = Path(__file__).resolve().parents[1]
SHAPES_DIR = REPO / "shapes"
FIXTURES_DIR = Path(__file__).parent / "fixtures" / "shapes"
CONTEXT = FIXTURES_DIR / "_context.ttl"
SECSH = Namespace("https://w3id.org/seckg/shapes#")

# As seckg.validation runs pyshacl: ontology and data in one graph (so the ontology's subclass
# axioms are there for sh:targetClass and sh:class), no inference, SPARQL constraints on, and
# warnings reported without failing the graph, in place (a copy would lose the query cache).
OPTIONS = {"inference": "none", "advanced": True, "allow_warnings": True, "inplace": True}

# The RDF, RDFS, OWL and XSD vocabularies: types from them are the ontology's building blocks.
META = re.compile(r"^http://www\.w3\.org/(1999/02/22-rdf-syntax-ns|2000/01/rdf-schema|2002/07/owl|2001/XMLSchema)#")

EXPECT = re.compile(r"^#\s*expect:\s*(?P<spec>.*?)\s*$")
EXPECT_KEYS = {"focus", "shape", "component", "path", "constraint", "severity"}
PLACEHOLDER = re.compile(r"\{[?$](\w+)\}")

# With tests/test_shacl_crosscheck.py, which runs on the same worker (conftest.SAME_WORKER_AS).
pytestmark = pytest.mark.slow(40)


# --- Graphs ---------------------------------------------------------------------------------


def parse(*paths: Path) -> Graph:
    graph = Graph()
    for path in paths:
        graph.parse(path, format="turtle")
    return graph


@functools.cache
def shapes() -> Graph:
    return parse(*sorted(SHAPES_DIR.glob("*.ttl")))


@functools.cache
def ontology() -> Graph:
    return parse(*sorted((REPO / "ontology").glob("*.ttl")))


@functools.cache
def data() -> Graph:
    return parse(*sorted((REPO / "data").glob("**/*.ttl")))


@functools.cache
def context() -> Graph:
    return parse(CONTEXT)


def node_shapes() -> set[URIRef]:
    return {s for s in shapes().subjects(RDF.type, SH.NodeShape) if isinstance(s, URIRef)}


def sparql_constraints() -> set[Node]:
    return set(shapes().objects(None, SH.sparql))


def is_target(shape: Node, node: Node, graph: Graph) -> bool:
    """Whether `shape` targets `node` in `graph` (through rdfs:subClassOf for classes)."""
    sg = shapes()
    classes = {c for t in graph.objects(node, RDF.type) for c in graph.transitive_objects(t, RDFS.subClassOf)}
    return (
        any(c in classes for c in sg.objects(shape, SH.targetClass))
        or any((node, p, None) in graph for p in sg.objects(shape, SH.targetSubjectsOf))
        or any((None, p, node) in graph for p in sg.objects(shape, SH.targetObjectsOf))
        or node in set(sg.objects(shape, SH.targetNode))
    )


# --- Fixtures and what they expect ----------------------------------------------------------


@dataclass(frozen=True)
class Expectation:
    focus: URIRef
    shape: URIRef
    component: URIRef
    severity: URIRef = SH.Violation
    path: URIRef | None = None
    constraint: URIRef | None = None

    def __str__(self) -> str:
        parts = [f"focus=<{self.focus}>", f"shape={self.shape}", f"component={self.component}"]
        parts += [f"{k}={v}" for k, v in (("path", self.path), ("constraint", self.constraint)) if v]
        return " ".join(parts) + ("" if self.severity == SH.Violation else f" severity={self.severity}")


@dataclass(frozen=True)
class Result:
    severity: URIRef
    focus: Node  # the focus node itself
    owner: Node  # the resource a curator edits
    component: URIRef
    shape: Node  # sh:sourceShape
    constraint: Node | None
    path: Node | None
    value: Node | None
    messages: tuple[str, ...]

    @property
    def message(self) -> str:
        return " / ".join(self.messages)

    def __str__(self) -> str:
        return (
            f"{self.severity.split('#')[-1]} focus=<{self.owner}> shape={describe_shape(self.shape)} "
            f"component={self.component} path={self.path} constraint={self.constraint} "
            f"value={self.value} : {self.message}"
        )


def describe_shape(shape: Node) -> str:
    if isinstance(shape, URIRef):
        return str(shape)
    parents = sorted(str(p) for p in shapes().subjects(SH.property, shape))
    return f"[property shape of {', '.join(parents)}]" if parents else f"_:{shape}"


def expand(token: str, graph: Graph) -> URIRef:
    if token.startswith("<") and token.endswith(">"):
        return URIRef(token[1:-1])
    prefix, sep, local = token.partition(":")
    namespaces = {**{p: str(n) for p, n in graph.namespaces()}, "sh": str(SH), "secsh": str(SECSH)}
    if not sep or prefix not in namespaces:
        raise ValueError(f"cannot expand {token!r}: use <iri> or a prefix the fixture declares")
    return URIRef(namespaces[prefix] + local)


@dataclass
class Fixture:
    path: Path
    graph: Graph
    expectations: list[Expectation]

    @property
    def name(self) -> str:
        return self.path.name

    @functools.cached_property
    def subjects(self) -> set[URIRef]:
        return {s for s in self.graph.subjects() if isinstance(s, URIRef)}


def read_fixture(path: Path) -> Fixture:
    graph = parse(path)
    expectations = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        match = EXPECT.match(line)
        if not match:
            continue
        fields = dict(item.split("=", 1) for item in match["spec"].split())
        unknown = set(fields) - EXPECT_KEYS
        missing = {"focus", "shape", "component"} - set(fields)
        if unknown or missing:
            raise ValueError(f"{path.name}:{number}: unknown keys {sorted(unknown)}, missing {sorted(missing)}")
        terms = {key: expand(value, graph) for key, value in fields.items()}
        expectations.append(Expectation(**terms))
    return Fixture(path, graph, expectations)


FIXTURE_PATHS = sorted(p for p in FIXTURES_DIR.glob("*.ttl") if not p.name.startswith("_"))


@functools.cache
def fixtures() -> dict[str, Fixture]:
    return {p.name: read_fixture(p) for p in FIXTURE_PATHS}


@functools.cache
def fixture_graph() -> Graph:
    """Ontology + context + every fixture, as one data graph."""
    graph = Graph()
    graph += ontology()
    graph += context()
    for fixture in fixtures().values():
        graph += fixture.graph
    return graph


@functools.cache
def fixture_run() -> tuple[dict[str, list[Result]], list[Result]]:
    """Validate all fixtures in one run; the results of each fixture, and those that belong to
    none (which the context or the ontology caused)."""
    graph = fixture_graph()
    # The product's graph wrapper, which parses each SPARQL constraint once, not once per node.
    _, report, _ = pyshacl.validate(PreparedQueryGraph(graph), shacl_graph=shapes(), **OPTIONS)
    owners = {s: name for name, f in fixtures().items() for s in f.subjects}
    by_fixture: dict[str, list[Result]] = {name: [] for name in fixtures()}
    stray: list[Result] = []
    for result in top_level_results(report, graph):
        name = owners.get(result.owner)
        (by_fixture[name] if name else stray).append(result)
    return by_fixture, stray


def top_level_results(report: Graph, graph: Graph) -> list[Result]:
    """The results of the report, not the sh:detail results nested under them."""
    results = []
    for top in report.subjects(RDF.type, SH.ValidationReport):
        for r in report.objects(top, SH.result):
            focus = report.value(r, SH.focusNode)
            results.append(
                Result(
                    severity=report.value(r, SH.resultSeverity),
                    focus=focus,
                    owner=owning_resource(graph, focus),
                    component=report.value(r, SH.sourceConstraintComponent),
                    shape=report.value(r, SH.sourceShape),
                    constraint=report.value(r, SH.sourceConstraint),
                    path=report.value(r, SH.resultPath),
                    value=report.value(r, SH.value),
                    messages=tuple(sorted(str(m) for m in report.objects(r, SH.resultMessage))),
                )
            )
    return results


def fired_shapes(result: Result, graph: Graph) -> set[URIRef]:
    """The node shapes a result shows to fire: its source shape if that is a node shape, else
    those of the node shapes holding the property shape that target the focus (a shared property
    shape such as secsh:EnglishLabel has many); and for sh:node, the shape the value failed."""
    sg = shapes()
    if (result.shape, RDF.type, SH.NodeShape) in sg:
        fired = {result.shape}
    else:
        parents = set(sg.subjects(SH.property, result.shape))
        fired = {p for p in parents if is_target(p, result.focus, graph)}
    if result.component == SH.NodeConstraintComponent:
        fired |= set(sg.objects(result.shape, SH.node))
    return fired


def matches(result: Result, expected: Expectation, graph: Graph) -> bool:
    return (
        result.severity == expected.severity
        and result.owner == expected.focus
        and result.component == expected.component
        and expected.shape in fired_shapes(result, graph)
        and (expected.path is None or result.path == expected.path)
        and (expected.constraint is None or result.constraint == expected.constraint)
    )


# --- (a) the repository's own graph conforms ------------------------------------------------


def test_repository_conforms(repository_validation):
    """Ontology and data/**/*.ttl, loaded and validated as `seckg validate` does."""
    loaded, report = repository_validation
    assert loaded.ok, "\n".join(str(p) for p in loaded.problems)
    assert report.conforms, render(report, "human")


def test_repository_conforms_with_rdfs_inference_too():
    """The shapes do not depend on the validator leaving out RDFS inference.

    owlrl, which runs the inference, swaps rdflib's lexical checks of XSD literals for its own,
    process-wide (then "99"^^xsd:gYear is ill-typed and sh:datatype reports it besides
    sh:pattern); put rdflib's back so the other tests see what `seckg validate` sees."""
    graph = Graph()
    graph += ontology()
    graph += data()
    conversions = dict(rdflib_term._toPythonMapping)
    try:
        conforms, _, text = pyshacl.validate(
            PreparedQueryGraph(graph), shacl_graph=shapes(), **{**OPTIONS, "inference": "rdfs"}
        )
    finally:
        rdflib_term._toPythonMapping.clear()
        rdflib_term._toPythonMapping.update(conversions)
    assert conforms, text


# --- (b) each fixture produces exactly what it expects -------------------------------------


def test_the_context_conforms_without_warnings():
    _, stray = fixture_run()
    assert not stray, "results outside the fixtures:\n" + "\n".join(map(str, stray))


def test_fixtures_describe_only_their_own_subjects():
    """No fixture adds to the context or to another fixture, or links to another fixture's
    resources, so validating them together is the same as validating each alone."""
    in_context = {s for s in context().subjects() if isinstance(s, URIRef)}
    described_by: dict[URIRef, str] = {}
    problems = []
    for fixture in fixtures().values():
        for subject in sorted(fixture.subjects):
            if subject in in_context or subject in described_by:
                problems.append(f"{fixture.name} describes <{subject}>, already described elsewhere")
            described_by.setdefault(subject, fixture.name)
    for fixture in fixtures().values():
        for o in set(fixture.graph.objects()):
            other = described_by.get(o) if isinstance(o, URIRef) else None
            if other is not None and other != fixture.name:
                problems.append(f"{fixture.name} links to <{o}>, a resource of {other}")
    assert not problems, "\n".join(problems)


def test_no_two_fixtures_hold_spells_of_one_member_organization_and_role():
    """Dated spells of the same member, organization or post, and role are compared with each
    other (secsh:DuplicatedSpell), so two fixtures holding such spells would interfere."""
    org = Namespace("http://www.w3.org/ns/org#")
    post = URIRef("https://w3id.org/seckg/ontology#post")
    holders: dict[tuple, str] = {}
    clashes = []
    for name, graph in [("_context.ttl", context()), *((f.name, f.graph) for f in fixtures().values())]:
        keys = {
            (graph.value(s, org.member), shared, graph.value(s, org.role))
            for s in set(graph.subjects(org.memberDuring, None))
            for shared in [*graph.objects(s, org.organization), *graph.objects(s, post)]
        }
        for key in keys:
            if holders.setdefault(key, name) != name:
                clashes.append(f"{name} and {holders[key]}: spells of {key}")
    assert not clashes, "\n".join(clashes)


@pytest.mark.parametrize("path", FIXTURE_PATHS, ids=lambda p: p.stem)
def test_fixture_fires_exactly_what_it_expects(path: Path):
    fixture = fixtures()[path.name]
    assert fixture.expectations, f"{path.name} has no '# expect:' line"
    for e in fixture.expectations:
        assert e.shape in node_shapes(), f"{path.name}: {e.shape} is not a node shape of shapes/"
        assert e.constraint is None or e.constraint in sparql_constraints(), f"{path.name}: no constraint {e.constraint}"
        assert e.focus in fixture.subjects, f"{path.name}: the focus <{e.focus}> is not described in the fixture"
    results = fixture_run()[0][path.name]
    graph = fixture_graph()
    missing = [e for e in fixture.expectations if not any(matches(r, e, graph) for r in results)]
    unexpected = [r for r in results if not any(matches(r, e, graph) for e in fixture.expectations)]
    assert not missing and not unexpected, (
        f"{path.name}\nexpected but not reported:\n  "
        + "\n  ".join(map(str, missing))
        + "\nreported but not expected:\n  "
        + "\n  ".join(map(str, unexpected))
    )
    # One message each, the rule's own: pyshacl adds a node shape's sh:message to the results of
    # its SPARQL constraints, so a node shape that has those must not have a message of its own.
    several = [r for r in results if len(r.messages) != 1]
    assert not several, "results without exactly one message:\n" + "\n".join(map(str, several))
    # A fixture that expects a violation makes the graph non-conforming; one that expects only
    # warnings shows they are reported without failing it.
    expects_violation = any(e.severity == SH.Violation for e in fixture.expectations)
    assert any(r.severity == SH.Violation for r in results) == expects_violation


# --- (c) coverage --------------------------------------------------------------------------


def test_every_node_shape_fires_on_some_fixture():
    graph = fixture_graph()
    fired = {s for results in fixture_run()[0].values() for r in results for s in fired_shapes(r, graph)}
    silent = sorted(node_shapes() - fired)
    assert not silent, "node shapes no fixture makes fire (add one under tests/fixtures/shapes/):\n" + "\n".join(silent)


def test_every_sparql_constraint_is_named_and_fires_on_some_fixture():
    constraints = sparql_constraints()
    unnamed = [c for c in constraints if not isinstance(c, URIRef)]
    assert not unnamed, "give each sh:sparql constraint an IRI, so fixtures can name it"
    fired = {r.constraint for results in fixture_run()[0].values() for r in results}
    silent = sorted(constraints - fired)
    assert not silent, "SPARQL constraints no fixture makes fire:\n" + "\n".join(silent)


def used_classes() -> set[Node]:
    """Classes the data instantiates, and those the ontology instantiates (SKOS concepts and
    schemes), leaving out the RDF/RDFS/OWL terms the ontology is written in."""
    typed = set(data().objects(None, RDF.type)) | set(ontology().objects(None, RDF.type))
    return {c for c in typed if not META.match(str(c))}


def test_every_class_in_use_is_targeted_by_a_shape():
    schema = ontology() + data()
    targeted = set(shapes().objects(None, SH.targetClass))
    untargeted = sorted(
        str(c) for c in used_classes() if not targeted & set(schema.transitive_objects(c, RDFS.subClassOf))
    )
    assert not untargeted, "classes in use that no shape targets, directly or through a superclass:\n" + "\n".join(
        untargeted
    )


def test_the_class_coverage_check_can_fail():
    """A class outside every targeted hierarchy is reported (the check above is not vacuous)."""
    schema = ontology() + data()
    targeted = set(shapes().objects(None, SH.targetClass))
    unknown = URIRef("https://w3id.org/seckg/ontology#SomethingNew")
    assert not targeted & set(schema.transitive_objects(unknown, RDFS.subClassOf))
    assert targeted & set(schema.transitive_objects(URIRef("https://w3id.org/seckg/ontology#Summit"), RDFS.subClassOf))


def constrained_properties() -> set[Node]:
    """Properties some shape constrains: paths (and the members of alternative paths), the
    properties of sh:targetSubjectsOf, and those the SPARQL constraints read."""
    sg = shapes()
    found: set[Node] = set(sg.objects(None, SH.targetSubjectsOf))
    for path in sg.objects(None, SH.path):
        alternatives = sg.value(path, SH.alternativePath)
        found |= set(sg.items(alternatives)) if alternatives is not None else {path}
    text = " ".join(str(q) for q in sg.objects(None, SH.select))
    namespaces = {p: str(n) for p, n in data().namespaces()}
    for prefix, local in set(re.findall(r"\b([a-z]+):([A-Za-z]\w*)", text)):
        if prefix in namespaces:
            found.add(URIRef(namespaces[prefix] + local))
    return found


def test_every_property_in_use_is_constrained_by_a_shape():
    """A property new to the data gets a shape saying what its values are."""
    unconstrained = sorted(str(p) for p in set(data().predicates()) - constrained_properties())
    assert not unconstrained, "properties in data/ that no shape constrains:\n" + "\n".join(unconstrained)


# --- (d) messages ----------------------------------------------------------------------------

# Parameters that make a shape report results of its own.
CONSTRAINT_PARAMETERS = {
    SH["class"], SH.datatype, SH.nodeKind, SH.minCount, SH.maxCount, SH.minExclusive, SH.minInclusive,
    SH.maxExclusive, SH.maxInclusive, SH.minLength, SH.maxLength, SH.pattern, SH.languageIn, SH.uniqueLang,
    SH.equals, SH.disjoint, SH.lessThan, SH.lessThanOrEquals, SH["not"], SH["and"], SH["or"], SH.xone,
    SH.node, SH.qualifiedValueShape, SH.closed, SH.hasValue, SH["in"],
}


def has_message(node: Node) -> bool:
    return (node, SH.message, None) in shapes()


def test_every_constraint_has_a_message():
    sg = shapes()
    lacking = []
    for shape in sorted(node_shapes()):
        if any((shape, p, None) in sg for p in CONSTRAINT_PARAMETERS) and not has_message(shape):
            lacking.append(f"{shape}: its own constraints")
        for prop in sg.objects(shape, SH.property):
            if not has_message(prop) and not has_message(shape):
                lacking.append(f"{shape}: property shape for {sg.value(prop, SH.path)}")
        for constraint in sg.objects(shape, SH.sparql):
            if not has_message(constraint) and not has_message(shape):
                lacking.append(f"{shape}: SPARQL constraint {constraint}")
    assert not lacking, "constraints without an sh:message:\n" + "\n".join(lacking)


def test_messages_are_english_and_their_placeholders_are_filled():
    """pyshacl fills {?var} from a SPARQL constraint's solution only, so a core shape's message
    must not have one, and a SPARQL message may use only variables its query selects."""
    sg = shapes()
    problems = []
    for node, message in sg.subject_objects(SH.message):
        if not (isinstance(message, Literal) and message.language == "en"):
            problems.append(f"{describe_shape(node)}: message is not an @en literal: {message!r}")
        names = set(PLACEHOLDER.findall(str(message)))
        if (node, SH.select, None) in sg:  # a SPARQL constraint, or the validator of a constraint component
            select = str(sg.value(node, SH.select))
            projected = set(re.findall(r"[?$](\w+)", select.split("WHERE", 1)[0]))
            if names - projected:
                problems.append(f"{node}: message uses {sorted(names - projected)}, not selected by its query")
        elif names:
            problems.append(f"{describe_shape(node)}: placeholders {sorted(names)} are never filled in a core shape")
    assert not problems, "\n".join(problems)


def test_date_helpers_cover_the_three_precisions():
    """secsh:DateValue accepts exactly xsd:date, xsd:gYearMonth and xsd:gYear."""
    from rdflib.namespace import XSD

    sg = shapes()
    options = list(sg.items(sg.value(SECSH.DateValue, SH["or"])))
    assert {sg.value(o, SH.datatype) for o in options} == {XSD.date, XSD.gYearMonth, XSD.gYear}


def test_shape_files_declare_only_seckg_shapes():
    """Shapes have IRIs under secsh:, and no shapes file defines ontology terms."""
    sg = shapes()
    foreign = sorted(
        str(s) for s in node_shapes() | {p for p in sg.objects(None, SH.property) if isinstance(p, URIRef)}
        if not str(s).startswith(str(SECSH))
    )
    assert not foreign, foreign
    assert not set(sg.subjects(RDF.type, OWL.Class)), "a shapes file declares an OWL class"


# --- (e) the shapes' own vocabulary ---------------------------------------------------------

# SHACL, RDF, RDFS, OWL and XSD are closed namespaces in rdflib (it knows their terms), so a
# misspelt sh:messagee is not one of them. (XSD is not a module global: pytest's collection
# would look names up in it and warn.)
STANDARD_NAMESPACES = (SH, RDF, RDFS, OWL, rdflib_namespace.XSD)
PROPERTY_KINDS = (OWL.AnnotationProperty, OWL.ObjectProperty, OWL.DatatypeProperty)
SHAPES_DOCUMENT = URIRef("https://w3id.org/seckg/shapes")


def undeclared_properties(shapes_graph: Graph, ontology_graph: Graph) -> list[str]:
    """Predicates of the shapes that are neither standard terms nor declared, in the shapes or the
    ontology: an engine ignores what it does not know, so a misspelt annotation would go unseen."""
    declared = {s for g in (shapes_graph, ontology_graph) for kind in PROPERTY_KINDS for s in g.subjects(RDF.type, kind)}
    return sorted(
        str(p) for p in set(shapes_graph.predicates())
        if p not in declared and not any(p in namespace for namespace in STANDARD_NAMESPACES)
    )


def test_every_property_the_shapes_use_is_declared():
    assert undeclared_properties(shapes(), ontology()) == []


def test_the_declaration_check_finds_undeclared_and_misspelt_properties():
    """The check above is not vacuous: without its declaration, secsh:selectForFocusNodes is
    reported, and so are a misspelt secsh: annotation and a misspelt SHACL term."""
    undeclared = shapes() + Graph()
    undeclared.remove((SECSH.selectForFocusNodes, None, None))
    assert undeclared_properties(undeclared, ontology()) == [str(SECSH.selectForFocusNodes)]

    misspelt = shapes() + Graph()
    target = misspelt.value(SECSH.DuplicatedSpellShape, SH.target)
    misspelt.add((target, SECSH.selectForFocusNode, Literal("SELECT ?this WHERE { ?this ?p ?o }")))
    misspelt.add((SECSH.DuplicatedSpellShape, URIRef(str(SH) + "messagee"), Literal("typo")))
    assert set(undeclared_properties(misspelt, ontology())) == {str(SECSH.selectForFocusNode), str(SH) + "messagee"}


def test_the_shapes_annotation_properties_say_what_they_are_and_where_defined():
    """As the ontology's own terms: an English label, an English comment saying why it exists, and
    the shapes document as rdfs:isDefinedBy."""
    sg = shapes()
    declared = sorted(sg.subjects(RDF.type, OWL.AnnotationProperty))
    assert declared, "shapes/ declares no annotation property"
    problems = []
    for term in declared:
        if not str(term).startswith(str(SECSH)):
            problems.append(f"{term}: not under {SECSH}")
        for prop in (RDFS.label, RDFS.comment):
            if not any(isinstance(v, Literal) and v.language == "en" for v in sg.objects(term, prop)):
                problems.append(f"{term}: no English {prop}")
        if sg.value(term, RDFS.isDefinedBy) != SHAPES_DOCUMENT:
            problems.append(f"{term}: rdfs:isDefinedBy is not {SHAPES_DOCUMENT}")
    assert not problems, "\n".join(problems)


def test_the_shapes_terms_the_engine_reads_are_declared():
    """A secsh: property named in the package's code (an engine-specific annotation) is one the
    shapes declare, so the code and the shapes cannot drift apart under a rename."""
    named = {
        URIRef(str(SECSH) + local)
        for path in (REPO / "server" / "seckg").rglob("*.py")
        for local in re.findall(r"https://w3id\.org/seckg/shapes#([a-z]\w*)", path.read_text(encoding="utf-8"))
    }
    assert SECSH.selectForFocusNodes in named
    declared = set(shapes().subjects(RDF.type, OWL.AnnotationProperty))
    assert sorted(str(t) for t in named - declared) == []


def test_seckg_validate_exits_1_and_names_every_fixtures_node_rule_and_file(tmp_path):
    """What a curator sees: `seckg validate` on a repository holding the fixtures as data files."""
    import json
    import shutil

    from click.testing import CliRunner

    from seckg.cli import main

    for folder in ("ontology", "shapes"):
        shutil.copytree(REPO / folder, tmp_path / folder)
    (tmp_path / "data").mkdir()
    for path in [CONTEXT, *FIXTURE_PATHS]:
        shutil.copy(path, tmp_path / "data" / path.name)

    result = CliRunner().invoke(main, ["--root", str(tmp_path), "validate", "--format", "json"])
    assert result.exit_code == 1, result.output
    reported = json.loads(result.output)["results"]
    missing = []
    for fixture in fixtures().values():
        for expected in fixture.expectations:
            component = "sh:" + str(expected.component).rsplit("#", 1)[-1]
            found = [
                r for r in reported
                if r["node"] == str(expected.focus) and r["component"] == component
                and r["file"] == f"data/{fixture.name}" and r["line"] and r["message"]
            ]
            if not found:
                missing.append(f"{fixture.name}: {expected}")
    assert not missing, "\n".join(missing)


def test_the_label_kinds_are_the_targets_of_the_label_shapes():
    """secsh:UniqueLabel compares labels within the classes its FILTER lists; the shapes that use
    it target the same classes, so a kind added to one is added to the other."""
    sg = shapes()
    select = str(sg.value(SECSH.UniqueLabel, SH.select))
    listed = re.search(r"\?kind IN \(([^)]*)\)", select).group(1)
    kinds = {expand(token.strip(), sg) for token in listed.split(",")}
    targets = {c for s in sg.subjects(SH.sparql, SECSH.UniqueLabel) for c in sg.objects(s, SH.targetClass)}
    assert kinds == targets
