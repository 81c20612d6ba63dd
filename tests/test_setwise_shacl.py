"""The set-wise engine (seckg.setwise_shacl) gives the findings pyshacl gives, on every graph that
exercises the shapes: the repository, all negative fixtures together, the mutation corpus of
tests/test_mutation.py and a synthetic graph of 10k triples; and it refuses shapes it cannot run.

Findings are compared whole (severity, focus node, the resource it is filed under, path, value,
component, source shape, message, file, line and label), as multisets: both engines read the
same loaded store, so even blank node ids agree.
"""

from __future__ import annotations

import random
import sys
from collections import Counter
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.namespace import RDF, SH

from seckg.config import Config
from seckg.loading import load
from seckg.reporting import render
from seckg.validation import ShapesError, validate

from test_validation_incremental import copy_repo

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures" / "shapes"
sys.path.insert(0, str(REPO / "bench"))


def findings(report) -> Counter:
    return Counter(tuple(sorted(f.as_dict().items())) for f in report.findings)


def assert_same(config: Config) -> list:
    loaded = load(config)
    assert loaded.ok, loaded.problems
    setwise, reference = validate(loaded, "setwise"), validate(loaded, "pyshacl")
    only_setwise = findings(setwise) - findings(reference)
    only_pyshacl = findings(reference) - findings(setwise)
    assert not only_setwise and not only_pyshacl, (
        "only set-wise:\n  " + "\n  ".join(map(str, only_setwise)) + "\nonly pyshacl:\n  " + "\n  ".join(map(str, only_pyshacl)))
    assert setwise.conforms == reference.conforms
    return setwise.findings


def test_same_findings_on_the_repository():
    assert_same(Config(root=REPO))


def test_same_findings_on_every_negative_fixture(tmp_path):
    found = assert_same(copy_repo(tmp_path, sorted(FIXTURES.glob("*.ttl"))))
    # Every fixture is in the run and breaks something: each file has findings to compare.
    files = {Path(f.file).name for f in found if f.file}
    assert files >= {p.name for p in FIXTURES.glob("*.ttl") if not p.name.startswith("_")}


def test_same_findings_on_the_mutation_corpus(tmp_path):
    import test_mutation as mutation

    config = copy_repo(tmp_path)
    data = mutation.Data(config)
    mutations = mutation.plan(data, random.Random(mutation.SEED))
    for m in mutations:
        for triple in m.remove:
            data.files[m.file].remove(triple)
        for triple in m.add:
            data.files[m.file].add(triple)
    for path in {m.file for m in mutations}:
        data.files[path].serialize(path, format="turtle")
    violations = [f for f in assert_same(config) if f.severity == "Violation"]
    assert len(violations) >= len(mutations) * 0.9


def test_same_findings_on_a_synthetic_graph_of_10k_triples(tmp_path):
    import synthetic

    synthetic.write_root(tmp_path, 10_000)
    # Break a few things the synthetic graph holds many of, so the comparison is not of two empties.
    states = tmp_path / "data" / "synthetic" / "states.ttl"
    states.write_text(states.read_text(encoding="utf-8").replace('"State 3"@en', '"State 4"@en', 1), encoding="utf-8")
    found = assert_same(Config(root=tmp_path))
    assert any(f.component == "sh:SPARQLConstraintComponent" for f in found)


def test_the_turtle_report_is_a_shacl_validation_report(tmp_path):
    loaded = load(copy_repo(tmp_path, [FIXTURES / "_context.ttl", FIXTURES / "membership-without-role.ttl"]))
    report = validate(loaded, "setwise")
    graph = Graph().parse(data=render(report, "turtle"), format="turtle")
    (top,) = graph.subjects(RDF.type, SH.ValidationReport)
    assert graph.value(top, SH.conforms).toPython() is False
    results = list(graph.objects(top, SH.result))
    assert results
    for r in results:
        assert (r, RDF.type, SH.ValidationResult) in graph
        for key in (SH.focusNode, SH.resultSeverity, SH.sourceConstraintComponent, SH.sourceShape, SH.resultMessage):
            assert graph.value(r, key) is not None, key


def test_shapes_the_engine_cannot_run_are_refused_not_skipped(tmp_path):
    config = copy_repo(tmp_path, [FIXTURES / "_context.ttl"])
    (config.shapes_dir / "extra.ttl").write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        "<https://example.org/XoneShape> a sh:NodeShape ; sh:targetClass <https://example.org/C> ;\n"
        "    sh:xone ( [ sh:minLength 2 ] [ sh:maxLength 3 ] ) .\n",
        encoding="utf-8",
    )
    with pytest.raises(ShapesError, match="xone"):
        validate(load(config), "setwise")
