"""OWL checks: the real ontology and data are OWL 2 DL, open cleanly and are consistent;
and small ontologies written here prove that each check can fail.

The OWL API runs in a JVM (about 2 s a start), so the negative profile fixtures
are checked in one run, each file on its own, and the results shared.
"""

from __future__ import annotations

import json
import os
import subprocess
import textwrap
from pathlib import Path

import pytest

from seckg.owl import (
    ProfileReport,
    ReasonerError,
    check_consistency,
    check_dl_profile,
    classpath,
)
from seckg.owl.profile import ENSURE_SCRIPT, JAVA_PROGRAM


def _repo_root() -> Path:
    for directory in Path(__file__).resolve().parents:
        if (directory / "pyproject.toml").is_file():
            return directory
    raise RuntimeError("no pyproject.toml above the tests")


ROOT = _repo_root()
ONTOLOGY = ROOT / "ontology" / "seckg.ttl"
DATA = sorted((ROOT / "data").glob("**/*.ttl"))
pytestmark = pytest.mark.slow(25)  # a JVM start for each check

PREFIXES = """\
@prefix : <https://example.org/t#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""


def _write(directory: Path, name: str, body: str) -> Path:
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(PREFIXES + textwrap.dedent(body), encoding="utf-8")
    return path


# ---------------------------------------------------------------- the real ontology and data


def test_real_files_exist():
    assert ONTOLOGY.is_file(), f"{ONTOLOGY} is missing"
    assert DATA, "no data/**/*.ttl files"


@pytest.fixture(scope="module")
def ontology_report() -> ProfileReport:
    return check_dl_profile([ONTOLOGY], merge=False)


@pytest.fixture(scope="module")
def merged_report() -> ProfileReport:
    return check_dl_profile([ONTOLOGY, *DATA])


def test_ontology_opens_like_protege_without_errors(ontology_report):
    """What Protégé would show on opening: parse errors, load-log errors, unparsed triples, missing imports."""
    problems = ontology_report.parse_errors + ontology_report.unparsed_triples + ontology_report.missing_imports
    assert not problems, ontology_report.summary()
    assert len(ontology_report.loaded) == 1
    assert ontology_report.loaded[0]["ontology"] == "https://w3id.org/seckg/ontology"


def test_ontology_is_owl2_dl(ontology_report):
    assert ontology_report.ok, ontology_report.summary()


def test_ontology_imports_resolve_offline_through_a_catalog():
    """Every owl:imports must be mapped by ontology/catalog-v001.xml, or Protégé offline cannot open it."""
    from seckg.owl.merge import imported_iris, parse_file, read_catalog

    imports = imported_iris(parse_file(ONTOLOGY))
    catalog = read_catalog(ONTOLOGY.parent)
    unmapped = sorted(i for i in imports if i not in catalog or not catalog[i].is_file())
    assert not unmapped, f"imports without a local file in catalog-v001.xml: {unmapped}"


def test_ontology_and_all_data_are_owl2_dl(merged_report):
    assert merged_report.ok, merged_report.summary()


def test_ontology_is_consistent_with_hermit():
    report = check_consistency([ONTOLOGY])
    assert report.ok, report.message


def test_ontology_and_all_data_are_consistent_with_hermit():
    report = check_consistency([ONTOLOGY, *DATA])
    assert report.consistent, report.message
    assert report.unsatisfiable_classes == [], report.message


# ---------------------------------------------------------------- the checks can fail


CLEAN = """
<https://example.org/t> a owl:Ontology .
:A a owl:Class . :B a owl:Class . :A owl:disjointWith :B .
:p a owl:ObjectProperty . :d a owl:DatatypeProperty ; rdfs:range xsd:string .
:x a owl:NamedIndividual , :A ; :p :y ; :d "x" .
:y a owl:NamedIndividual .
"""

NEGATIVE_PROFILE_CASES = {
    "clean.ttl": CLEAN,
    "undeclared.ttl": """
        <https://example.org/undeclared> a owl:Ontology .
        :A a owl:Class .
        :x a owl:NamedIndividual , :A ; :undeclaredProperty :y .
        :y a owl:NamedIndividual .
        :C rdfs:subClassOf :A .
    """,
    "punned.ttl": """
        <https://example.org/punned> a owl:Ontology .
        :p a owl:ObjectProperty , owl:DatatypeProperty .
        :x a owl:NamedIndividual ; :p :y ; :p "literal" .
        :y a owl:NamedIndividual .
    """,
    "nonsimple.ttl": """
        <https://example.org/nonsimple> a owl:Ontology .
        :ancestor a owl:ObjectProperty , owl:TransitiveProperty .
        :C a owl:Class ;
            rdfs:subClassOf [ a owl:Restriction ; owl:onProperty :ancestor ; owl:maxCardinality 1 ] .
    """,
    "unparsed.ttl": """
        <https://example.org/unparsed> a owl:Ontology .
        :A a owl:Class .
        :q a owl:ObjectProperty .
        :A rdfs:subClassOf [ a owl:Restriction ; owl:onProperty :q ] .
    """,
    "missing-import.ttl": """
        <https://example.org/missing> a owl:Ontology ; owl:imports <https://example.org/not-anywhere> .
        :A a owl:Class .
    """,
    "date.ttl": """
        <https://example.org/date> a owl:Ontology .
        xsd:date a rdfs:Datatype .
        :on a owl:DatatypeProperty ; rdfs:range xsd:date .
        :x a owl:NamedIndividual ; :on "2003-09-18"^^xsd:date .
    """,
    "broken.ttl": """
        <https://example.org/broken> a owl:Ontology .
        :A a owl:Class
        :B a owl:Class .
    """,
}


@pytest.fixture(scope="module")
def negative_reports(tmp_path_factory) -> dict[str, ProfileReport]:
    """All fixtures in one JVM run (merge=False checks each file alone), split per file."""
    directory = tmp_path_factory.mktemp("owl-profile")
    paths = [_write(directory, name, body) for name, body in NEGATIVE_PROFILE_CASES.items()]
    combined = check_dl_profile(paths, merge=False)
    reports = {}
    for path in paths:
        mine = str(path.resolve())
        reports[path.name] = ProfileReport(
            files=(mine,), checked=(mine,),
            findings=[f for f in combined.findings if f["file"] == mine],
            loaded=[f for f in combined.loaded if f["file"] == mine],
        )
    return reports


def _violations(report: ProfileReport) -> set[str]:
    return {f["violation"] for f in report.of_kind("profile_violation")}


def test_clean_fixture_passes(negative_reports):
    report = negative_reports["clean.ttl"]
    assert report.ok, report.summary()


def test_undeclared_entities_violate_dl(negative_reports):
    report = negative_reports["undeclared.ttl"]
    assert not report.ok
    assert {"UseOfUndeclaredAnnotationProperty", "UseOfUndeclaredClass"} <= _violations(report), report.summary()
    assert any("undeclaredProperty" in f["axiom"] for f in report.of_kind("profile_violation"))


def test_property_punned_as_object_and_datatype_property_is_caught(negative_reports):
    report = negative_reports["punned.ttl"]
    assert [f["iri"] for f in report.of_kind("illegal_punning")] == ["https://example.org/t#p"], report.summary()


def test_non_simple_property_in_cardinality_restriction_violates_dl(negative_reports):
    report = negative_reports["nonsimple.ttl"]
    assert _violations(report) == {"UseOfNonSimplePropertyInCardinalityRestriction"}, report.summary()


def test_malformed_restriction_leaves_unparsed_triples(negative_reports):
    report = negative_reports["unparsed.ttl"]
    unparsed = report.unparsed_triples
    assert [(t["predicate"], t["object"]) for t in unparsed] == [
        ("http://www.w3.org/2002/07/owl#onProperty", "https://example.org/t#q")
    ], report.summary()
    assert report.of_kind("log_error"), "the OWL API's 'Entity not properly recognized' error was not captured"


def test_unresolvable_import_is_reported_not_fetched(negative_reports):
    report = negative_reports["missing-import.ttl"]
    assert [f["import"] for f in report.of_kind("missing_import")] == ["https://example.org/not-anywhere"]


def test_dates_outside_the_owl2_datatype_map_violate_dl(negative_reports):
    report = negative_reports["date.ttl"]
    assert _violations(report) == {"UseOfDefinedDatatypeInLiteral"}, report.summary()


def test_broken_turtle_is_a_parse_error_not_an_obo_fallback(negative_reports):
    report = negative_reports["broken.ttl"]
    assert report.parse_errors and not report.loaded, report.summary()
    text = Path(report.files[0]).read_text(encoding="utf-8").splitlines()
    bad_line = next(i for i, line in enumerate(text, 1) if line.startswith(":B a owl:Class"))
    assert any(f"line {bad_line}" in f["message"] for f in report.parse_errors), report.summary()


def test_import_mapped_by_catalog_resolves_offline(tmp_path):
    _write(tmp_path, "dep.ttl", """
        <https://example.org/dep> a owl:Ontology .
        :D a owl:Class .
    """)
    main = _write(tmp_path, "main.ttl", """
        <https://example.org/main> a owl:Ontology ; owl:imports <https://example.org/dep> .
        :C a owl:Class ; rdfs:subClassOf :D .
    """)
    (tmp_path / "catalog-v001.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n'
        '<catalog prefer="public" xmlns="urn:oasis:names:tc:entity:xmlns:xml:catalog">\n'
        '  <uri name="https://example.org/dep" uri="dep.ttl"/>\n'
        "</catalog>\n", encoding="utf-8")
    report = check_dl_profile([main])
    assert report.ok, report.summary()
    assert check_consistency([main]).ok
    (tmp_path / "dep.ttl").unlink()
    broken = check_dl_profile([main])
    assert broken.of_kind("catalog_error") and broken.missing_imports, broken.summary()
    with pytest.raises(ReasonerError, match="not resolvable"):
        check_consistency([main])


def test_data_is_judged_together_with_its_ontology(tmp_path):
    """Alone, a data file's properties are undeclared; merged with the ontology, it is OWL 2 DL."""
    ontology = _write(tmp_path, "onto.ttl", CLEAN)
    data = _write(tmp_path, "data/x.ttl", """
        :z a owl:NamedIndividual , :B ; :p :x ; :d "z" .
    """)
    assert check_dl_profile([ontology, data]).ok
    alone = check_dl_profile([data])
    assert not alone.ok and alone.violations, alone.summary()


def test_individual_in_disjoint_classes_is_inconsistent(tmp_path):
    ontology = _write(tmp_path, "onto.ttl", CLEAN)
    data = _write(tmp_path, "data.ttl", ":x a :B .\n")
    assert check_consistency([ontology]).ok
    report = check_consistency([ontology, data])
    assert not report.consistent, report.message
    assert not report.ok


def test_unsatisfiable_class_is_named(tmp_path):
    ontology = _write(tmp_path, "onto.ttl", CLEAN + """
        :AB a owl:Class ; rdfs:subClassOf :A , :B .
        :Fine a owl:Class ; rdfs:subClassOf :A .
    """)
    report = check_consistency([ontology])
    assert report.consistent
    assert report.unsatisfiable_classes == ["https://example.org/t#AB"], report.message


def test_datatype_outside_the_map_stops_hermit_unless_ignored(tmp_path):
    ontology = _write(tmp_path, "onto.ttl", NEGATIVE_PROFILE_CASES["date.ttl"])
    with pytest.raises(ReasonerError, match="datatype map"):
        check_consistency([ontology])
    assert check_consistency([ontology], ignore_unsupported_datatypes=True).ok


def test_ensure_script_finds_the_jars_and_explains_when_they_are_missing(tmp_path):
    ok = subprocess.run(["sh", str(ENSURE_SCRIPT), "--classpath"], capture_output=True, text=True, check=False)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.strip() == classpath()
    missing = subprocess.run(["sh", str(ENSURE_SCRIPT), "--check"], capture_output=True, text=True,
                             env=dict(os.environ, OWLAPI_JAVA_DIR=str(tmp_path)), check=False)
    assert missing.returncode == 1
    assert "apt-get install -y --no-install-recommends libowlapi-java" in missing.stderr


def test_documented_single_file_source_launch(tmp_path):
    """`java -cp <jars> OwlProfileCheck.java FILE...` works as documented and its exit status reports findings."""
    clean = _write(tmp_path, "clean.ttl", CLEAN)
    bad = _write(tmp_path, "bad.ttl", NEGATIVE_PROFILE_CASES["nonsimple.ttl"])
    run = subprocess.run(["java", "-cp", classpath(), str(JAVA_PROGRAM), str(clean), str(bad)],
                         capture_output=True, text=True, check=False)
    assert run.returncode == 1, run.stdout + run.stderr
    records = [json.loads(line) for line in run.stdout.splitlines()]
    assert [(r["kind"], Path(r["file"]).name if "file" in r else "") for r in records] == [
        ("loaded", "clean.ttl"), ("loaded", "bad.ttl"), ("profile_violation", "bad.ttl"), ("summary", ""),
    ], run.stdout
    assert records[-1]["failures"] == 1
