"""`seckg serve --watch`: files changed on disk (as Protégé saves them, Turtle or RDF/XML) are
reloaded and validated; the server switches only to a graph that loads and conforms, and otherwise
keeps serving the last good one and says why at /store/status (and in its log)."""

from __future__ import annotations

import json
import time
import urllib.parse

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS

from conftest import PREFIXES, UNLABELLED_ALLIANCE
from live_server import request, serving, write_repo

BASE = "https://w3id.org/seckg/"
EU = (PREFIXES + '\n<https://w3id.org/seckg/id/org/EU> a sec:Alliance ;\n    rdfs:label "European Union"@en .\n')


@pytest.fixture(scope="module")
def watched(tmp_path_factory):
    root = write_repo(tmp_path_factory.mktemp("watch") / "repo")
    with serving(root, "--watch", "--watch-interval", "0.2", "--workers", "2") as base:
        yield {"base": base, "root": root}


def status(watched) -> dict:
    code, _, body = request(watched["base"] + "/store/status")
    assert code == 200
    return json.loads(body)


def after_reload(watched, change) -> dict:
    """Make `change` to the files, then wait for the server to report the reload it causes."""
    before = status(watched).get("last_reload", {}).get("time")
    change()
    deadline = time.monotonic() + 120
    while True:
        now = status(watched)
        if now.get("last_reload", {}).get("time") != before:
            return now
        assert time.monotonic() < deadline, "the server did not notice the change"
        time.sleep(0.1)


def ask(watched, pattern: str) -> bool:
    code, _, body = request(watched["base"] + "/sparql?" + urllib.parse.urlencode({"query": f"ASK {{ {pattern} }}"}))
    assert code == 200, body
    return json.loads(body)["boolean"]


def test_a_conforming_new_file_is_served(watched):
    first = status(watched)
    assert first["watch"] is True
    now = after_reload(watched, lambda: (watched["root"] / "data/organizations/eu.ttl").write_text(EU))
    assert now["last_reload"]["accepted"] is True
    assert now["last_reload"]["files"] == ["data/organizations/eu.ttl"]
    assert now["generation"] > first["generation"]
    assert ask(watched, f'<{BASE}id/org/EU> <http://www.w3.org/2000/01/rdf-schema#label> "European Union"@en')
    code, _, _ = request(f"{watched['base']}/data?graph={BASE}graph/data/organizations/eu")
    assert code == 200


def test_a_file_that_does_not_conform_is_reported_and_not_served(watched):
    target = watched["root"] / "data/organizations/sco.ttl"
    serving_before = status(watched)["generation"]
    now = after_reload(watched, lambda: target.write_text(UNLABELLED_ALLIANCE))
    reload = now["last_reload"]
    assert reload["accepted"] is False
    assert f"still serving generation {serving_before}" in reload["message"]
    [finding] = reload["findings"]
    assert finding["node"] == f"{BASE}id/org/SCO" and finding["file"] == "data/organizations/sco.ttl"
    assert finding["message"] == "An organization needs an rdfs:label."
    assert now["generation"] == serving_before
    assert not ask(watched, f"<{BASE}id/org/SCO> ?p ?o")
    assert ask(watched, f"<{BASE}id/org/CSTO> ?p ?o")
    now = after_reload(watched, target.unlink)
    assert now["last_reload"]["accepted"] is True and now["generation"] == serving_before


def test_a_file_that_does_not_parse_is_reported_with_its_line(watched):
    target = watched["root"] / "data/organizations/broken.ttl"
    serving_before = status(watched)["generation"]
    now = after_reload(watched, lambda: target.write_text(PREFIXES + "\n<https://w3id.org/seckg/id/org/X> a sec:Alliance\n"))
    assert now["last_reload"]["accepted"] is False
    [problem] = now["last_reload"]["problems"]
    assert problem.startswith("data/organizations/broken.ttl:")
    assert now["generation"] == serving_before
    after_reload(watched, target.unlink)


def test_ontology_saved_by_protege_as_rdf_xml_is_reloaded(watched):
    """Protégé can save the ontology it opened from seckg.ttl as RDF/XML under the same name."""
    path = watched["root"] / "ontology/seckg.ttl"
    ontology = Graph().parse(path, format="turtle")
    treaty = URIRef("https://w3id.org/seckg/ontology#Treaty")
    ontology.add((treaty, RDF.type, OWL.Class))
    ontology.add((treaty, RDFS.label, Literal("Treaty", lang="en")))
    serving_before = status(watched)["generation"]
    now = after_reload(watched, lambda: path.write_text(ontology.serialize(format="pretty-xml")))
    assert path.read_text().startswith("<?xml")
    assert now["last_reload"]["accepted"] is True, now["last_reload"]
    assert now["last_reload"]["files"] == ["ontology/seckg.ttl"]
    assert now["generation"] > serving_before
    assert ask(watched, "<https://w3id.org/seckg/ontology#Treaty> a <http://www.w3.org/2002/07/owl#Class>")
    assert ask(watched, f"<{BASE}id/org/CSTO> a <https://w3id.org/seckg/ontology#Alliance>")


def test_a_shapes_change_the_data_breaks_is_not_taken(watched):
    path = watched["root"] / "shapes/core.ttl"
    stricter = path.read_text().replace("sh:minCount 1 ;\n        sh:class sec:State ;",
                                        "sh:minCount 2 ;\n        sh:class sec:State ;")
    assert stricter != path.read_text()
    serving_before = status(watched)["generation"]
    now = after_reload(watched, lambda: path.write_text(stricter))
    assert now["last_reload"]["accepted"] is False
    assert {f["node"] for f in now["last_reload"]["findings"]} == {f"{BASE}id/membership/CSTO-ARM",
                                                                  f"{BASE}id/membership/CSTO-KAZ"}
    assert now["generation"] == serving_before
    assert ask(watched, f"<{BASE}id/membership/CSTO-ARM> ?p ?o")  # the last good graph is still served
