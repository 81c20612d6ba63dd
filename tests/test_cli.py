"""The `seckg` command (exit codes, formats), the validation report it prints, and named queries."""

from __future__ import annotations

import csv
import io
import json
import shutil

import pytest
from rdflib import Graph, Literal
from rdflib.namespace import RDF, SH

from conftest import FIXTURES, MEMBERS_QUERY, UNLABELLED_ALLIANCE
from seckg.cli import main
from seckg.config import Config
from seckg.loading import load
from seckg.named_queries import (
    ParamError,
    QueryHeaderError,
    load_named_queries,
    parse_named_query,
    to_term,
    where_group_start,
)
from seckg.store import GraphStore
from seckg.validation import validate

SCO = "https://w3id.org/seckg/id/org/SCO"


@pytest.fixture
def invalid_repo(make_repo):
    return make_repo({"data/organizations/sco.ttl": UNLABELLED_ALLIANCE})


def line_of(path, start: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if line.startswith(start))


# --- validate -----------------------------------------------------------------------------


def test_validate_conforming_repo_exits_0(runner):
    result = runner.invoke(main, ["validate"])
    assert result.exit_code == 0, result.output
    assert "0 violation(s)" in result.stdout
    assert "the graph conforms" in result.stdout


def test_violation_found_through_subclass_names_file_line_node_path_and_rule(runner, invalid_repo):
    result = runner.invoke(main, ["--root", str(invalid_repo), "validate"])
    assert result.exit_code == 1
    line = line_of(invalid_repo / "data/organizations/sco.ttl", f"<{SCO}>")
    assert f"data/organizations/sco.ttl:{line}  <{SCO}>" in result.stdout
    assert (
        "Violation  path=rdfs:label  rule=sh:MinCountConstraintComponent (shp:OrganizationShape)"
        "  An organization needs an rdfs:label."
    ) in result.stdout
    assert "does not conform" in result.stdout


def test_validate_json_round_trips(runner, invalid_repo):
    result = runner.invoke(main, ["--root", str(invalid_repo), "validate", "--format", "json"])
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["conforms"] is False
    assert report["violations"] == 1
    (finding,) = report["results"]
    assert finding["focus"] == SCO
    assert finding["path"] == "rdfs:label"
    assert finding["component"] == "sh:MinCountConstraintComponent"
    assert finding["severity"] == "Violation"
    assert finding["file"] == "data/organizations/sco.ttl"
    assert finding["line"] == line_of(invalid_repo / "data/organizations/sco.ttl", f"<{SCO}>")


@pytest.mark.parametrize("make_invalid, conforms, code", [(False, True, 0), (True, False, 1)])
def test_validate_turtle_is_a_shacl_report(runner, make_repo, make_invalid, conforms, code):
    root = make_repo({"data/organizations/sco.ttl": UNLABELLED_ALLIANCE} if make_invalid else {})
    result = runner.invoke(main, ["--root", str(root), "validate", "--format", "turtle"])
    assert result.exit_code == code
    graph = Graph().parse(data=result.stdout, format="turtle")
    assert list(graph.objects(None, SH.conforms)) == [Literal(conforms)]
    assert len(list(graph.subjects(RDF.type, SH.ValidationResult))) == (0 if conforms else 1)


def test_warnings_do_not_fail_validation(runner, make_repo):
    extra = (
        "@prefix sec: <https://w3id.org/seckg/ontology#> .\n"
        "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
        '<https://w3id.org/seckg/id/membership/CSTO-ARM> sec:since "1992-05-15"^^xsd:date .\n'
    )
    root = make_repo({"data/memberships/extra.ttl": extra})
    result = runner.invoke(main, ["--root", str(root), "validate", "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["conforms"] is True
    assert report["warnings"] == 1
    assert report["results"][0]["message"] == "A membership should start once."


def test_value_and_blank_focus_nodes_are_reported_against_their_owner(make_repo):
    member_is_org = (
        "@prefix org: <http://www.w3.org/ns/org#> .\n"
        "<https://w3id.org/seckg/id/membership/NATO-CSTO> a org:Membership ;\n"
        "    org:organization <https://w3id.org/seckg/id/org/NATO> ;\n"
        "    org:member <https://w3id.org/seckg/id/org/CSTO> .\n"
        "<https://w3id.org/seckg/id/org/NATO> org:hasMembership [ a org:Membership ] .\n"
    )
    loaded = load(Config(root=make_repo({"data/memberships/odd.ttl": member_is_org})))
    report = validate(loaded)
    assert not report.conforms
    by_component = {(f.node, f.component): f for f in report.violations}
    wrong_class = by_component[
        ("https://w3id.org/seckg/id/membership/NATO-CSTO", "sh:ClassConstraintComponent")
    ]
    assert wrong_class.value == "id:org/CSTO"
    assert (wrong_class.file, wrong_class.line) == ("data/memberships/odd.ttl", 2)
    blank = by_component[("https://w3id.org/seckg/id/org/NATO", "sh:MinCountConstraintComponent")]
    assert blank.focus.startswith("_:")
    assert blank.via == "org:hasMembership"
    assert blank.label == "North Atlantic Treaty Organization"


def test_unreadable_sources_exit_2_with_file_line_column(runner, make_repo):
    root = make_repo()
    for bad in (FIXTURES / "bad_syntax").glob("*.ttl"):
        shutil.copy(bad, root / "data" / bad.name)
    for command in (["validate"], ["stats"], ["serve", "--port", "1"]):
        result = runner.invoke(main, ["--root", str(root), *command])
        assert result.exit_code == 2, command
        assert "data/unterminated-string.ttl:4:52: " in result.stderr
        assert "data/undeclared-prefix.ttl:5:41: " in result.stderr


def test_unusable_shapes_exit_2(runner, make_repo):
    shapes = (
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        "@prefix org: <http://www.w3.org/ns/org#> .\n"
        "<https://w3id.org/seckg/shapes#NoPath> a sh:NodeShape ;\n"
        "    sh:targetClass org:FormalOrganization ; sh:property [ sh:minCount 1 ] .\n"
    )
    result = runner.invoke(main, ["--root", str(make_repo({"shapes/core.ttl": shapes})), "validate"])
    assert result.exit_code == 2
    assert "the shapes cannot be used" in result.stderr


def test_serve_refuses_a_graph_that_does_not_conform(runner, invalid_repo):
    result = runner.invoke(main, ["--root", str(invalid_repo), "serve", "--port", "1"])
    assert result.exit_code == 1
    assert f"<{SCO}>" in result.stderr
    assert "not serving" in result.stderr


def test_serve_with_a_store_refuses_as_without_and_builds_nothing(invalid_repo, make_repo, tmp_path):
    """With --store the graph is loaded and validated in the child that builds the store; its
    verdict and exit code are the server's, and no store is left to be taken for a built one."""
    import subprocess
    import sys

    from seckg.disk_store import stored_fingerprint

    unreadable = make_repo()
    shutil.copy(FIXTURES / "bad_syntax" / "unterminated-string.ttl", unreadable / "data")
    for root, code, said in ((invalid_repo, 1, f"<{SCO}>"), (unreadable, 2, "data/unterminated-string.ttl:4:52: ")):
        store = tmp_path / f"store{code}"
        done = subprocess.run([sys.executable, "-m", "seckg", "--root", str(root), "serve", "--port", "1",
                               "--store", str(store)], capture_output=True, text=True, timeout=120)
        assert done.returncode == code, done.stderr
        assert said in done.stderr and "Traceback" not in done.stderr
        assert stored_fingerprint(store) is None


# --- stats --------------------------------------------------------------------------------


def test_stats_counts_per_graph_and_class(runner, repo):
    result = runner.invoke(main, ["stats"])
    assert result.exit_code == 0, result.output
    lines = [line.split() for line in result.stdout.splitlines()]
    assert ["4", "data/organizations/orgs.ttl"] in lines
    assert ["2", "sec:Alliance"] in lines
    assert ["2", "org:Membership"] in lines
    store = GraphStore.from_loaded(load(Config(root=repo)))
    assert f"Total: {len(store)} triples in 3 graphs" in result.stdout


# --- query command ------------------------------------------------------------------------


def test_query_list(runner):
    result = runner.invoke(main, ["query", "--list"])
    assert result.exit_code == 0
    assert "members-on-date  Members of an organization on a date" in result.stdout
    assert "by-label" in result.stdout


ORG_ARGS = ["-p", "org=https://w3id.org/seckg/id/org/CSTO"]


def test_query_table_binds_parameters(runner):
    before = runner.invoke(main, ["query", "members-on-date", *ORG_ARGS, "-p", "date=2005-11-01"])
    assert before.exit_code == 0, before.output
    assert "Armenia" in before.stdout and "Kazakhstan" not in before.stdout
    assert "id:state/ARM" in before.stdout
    assert "(1 row)" in before.stdout
    after = runner.invoke(main, ["query", "members-on-date", *ORG_ARGS, "--param", "date=2007-01-01"])
    assert "Kazakhstan" in after.stdout and "(2 rows)" in after.stdout


def test_query_json_is_sparql_results_json(runner):
    result = runner.invoke(
        main, ["query", "members-on-date", *ORG_ARGS, "-p", "date=2007-01-01", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["head"]["vars"] == ["member", "memberLabel"]
    first = doc["results"]["bindings"][0]
    assert first["member"] == {"type": "uri", "value": "https://w3id.org/seckg/id/state/ARM"}
    assert first["memberLabel"] == {"type": "literal", "value": "Armenia", "xml:lang": "en"}


def test_query_csv_is_sparql_results_csv(runner):
    result = runner.invoke(
        main, ["query", "members-on-date", *ORG_ARGS, "-p", "date=2007-01-01", "--format", "csv"]
    )
    assert result.exit_code == 0
    text = result.stdout_bytes.decode()
    assert text.startswith("member,memberLabel\r\n")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[1] == ["https://w3id.org/seckg/id/state/ARM", "Armenia"]


def test_query_missing_param_lists_params_with_examples(runner):
    result = runner.invoke(main, ["query", "members-on-date", *ORG_ARGS])
    assert result.exit_code == 2
    assert "missing parameter(s): date" in result.stderr
    assert "--param date=2005-11-01" in result.stderr
    assert "--param org=https://w3id.org/seckg/id/org/CSTO" in result.stderr


@pytest.mark.parametrize(
    "args, expected",
    [
        (["-p", "date=2005-11-01", "-p", "colour=red"], "unknown parameter(s): colour"),
        (["-p", "date=2005-02-30"], "not a date"),
        (["-p", "date=yesterday"], "not a date"),
        (["-p", "date"], "expected KEY=VALUE"),
    ],
)
def test_query_bad_params_exit_2(runner, args, expected):
    result = runner.invoke(main, ["query", "members-on-date", *ORG_ARGS, *args])
    assert result.exit_code == 2
    assert expected in result.stderr


def test_query_unknown_name_exits_2(runner):
    result = runner.invoke(main, ["query", "nope"])
    assert result.exit_code == 2
    assert "members-on-date" in result.stderr


# --- named query header and binding -------------------------------------------------------


def test_header_is_parsed():
    query = parse_named_query(MEMBERS_QUERY, "members-on-date")
    assert query.title == "Members of an organization on a date"
    assert query.description.startswith("States that were members")
    assert [(p.name, p.type, p.example) for p in query.params] == [
        ("org", "iri", "https://w3id.org/seckg/id/org/CSTO"),
        ("date", "date", "2005-11-01"),
    ]
    assert query.params[1].description == "The day asked about (YYYY-MM-DD)"
    assert query.result == ("member", "memberLabel")


@pytest.mark.parametrize(
    "header, complaint",
    [
        ("#+ param: org | uri | http://x/ | bad type\n", "must be one of"),
        ("#+ param: org | iri | http://x/\n", "name | type | example | description"),
        ("#+ param: other | string | x | not in the body\n", "other is not used"),
        ("#+ param: org | date | 2005-13-01 | bad example\n", "example for org is invalid"),
        ("#+ colour: red\n", "unknown header key"),
    ],
)
def test_bad_headers_are_rejected(header, complaint):
    text = "#+ title: T\n" + header + "SELECT * WHERE { ?s ?p ?org }\n"
    with pytest.raises(QueryHeaderError, match=complaint):
        parse_named_query(text, "q")


def test_title_is_required():
    with pytest.raises(QueryHeaderError, match="title"):
        parse_named_query("SELECT * WHERE { ?s ?p ?o }", "q")


def test_bad_header_names_the_file(tmp_path):
    (tmp_path / "broken.rq").write_text("#+ title: T\n#+ param: x\nSELECT * { ?s ?p ?x }")
    with pytest.raises(QueryHeaderError, match=r"broken.rq:2"):
        load_named_queries(tmp_path)


@pytest.mark.parametrize(
    "evil",
    [
        "https://w3id.org/seckg/id/org/CSTO> } ; DROP ALL ; #",
        "https://w3id.org/seckg/id/org/CSTO>",
        "https://x/a b",
        "relative/iri",
        "javascript",
    ],
)
def test_injection_through_an_iri_param_is_rejected(evil):
    query = parse_named_query(MEMBERS_QUERY, "members-on-date")
    with pytest.raises(ParamError, match="org"):
        query.bind({"org": evil, "date": "2005-11-01"})


def test_string_params_are_bound_as_literals_not_text(config):
    catalog = load_named_queries(config.queries_dir)
    store = GraphStore.from_loaded(load(config))

    def things(name: str) -> list[str]:
        return [row["thing"].value for row in store.query(catalog["by-label"].bind({"name": name}))]

    assert things("Armenia") == ["https://w3id.org/seckg/id/state/ARM"]
    # would match everything if spliced into the FILTER as text; as a literal it matches nothing
    assert things('x" || true || "') == []
    assert things("x') } } ; DROP ALL #") == []


def test_values_go_inside_the_where_group():
    select = 'PREFIX ex: <http://e/#where>\n# {\nSELECT ?a (EXISTS { ?a ?b ?c } AS ?e) WHERE { ?a ?b "{" }'
    assert select[where_group_start(select) - 1 :].startswith('{ ?a ?b "{"')
    construct = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"
    assert construct[: where_group_start(construct)] == "CONSTRUCT { ?s ?p ?o } WHERE {"
    ask = "# where {\nASK { ?s ?p ?o }"
    assert ask[: where_group_start(ask)].endswith("ASK {")


@pytest.mark.parametrize(
    "kind, raw, expected",
    [
        ("integer", "+042", '"42"^^<http://www.w3.org/2001/XMLSchema#integer>'),
        ("string", 'say "hi"\n', '"say \\"hi\\"\\n"'),
        ("date", "2003-09-18", '"2003-09-18"^^<http://www.w3.org/2001/XMLSchema#date>'),
        ("iri", "https://w3id.org/seckg/id/org/CSTO", "<https://w3id.org/seckg/id/org/CSTO>"),
    ],
)
def test_param_values_become_typed_terms(kind, raw, expected):
    assert str(to_term(kind, raw)) == expected


def test_integer_params_must_be_integers():
    with pytest.raises(ParamError, match="not an integer"):
        to_term("integer", "4.2")
