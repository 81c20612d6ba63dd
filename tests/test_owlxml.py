"""The ontology as OWL/XML: the committed file is what the OWL API writes, says what the Turtle
says, and is served at the ontology's IRI and version IRI only while it is current."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from seckg.canonical import parse_exact
from seckg.config import Config
from seckg.owl.owlxml import compare, fingerprint, recorded_fingerprint, render_owlxml
from seckg.web import create_app

ROOT = Path(__file__).resolve().parents[1]
TURTLE = ROOT / "ontology" / "seckg.ttl"
OWX = ROOT / "ontology" / "seckg.owx"


def test_committed_owlxml_is_what_the_owl_api_writes_now(tmp_path):
    assert OWX.read_bytes() == render_owlxml(TURTLE), "run `.venv/bin/python -m seckg.owl.owlxml` and commit"
    # It depends on the triples only: the same ontology written otherwise (rdflib's order and
    # prefix names, no comments; or after `seckg fmt`) gives the same file.
    rewritten = tmp_path / "seckg.ttl"
    rewritten.write_text(parse_exact(TURTLE.read_text(encoding="utf-8")).serialize(format="turtle"), encoding="utf-8")
    assert render_owlxml(rewritten) == OWX.read_bytes()


def test_owl_api_reads_the_same_axioms_from_owlxml_and_turtle(tmp_path):
    assert compare(TURTLE, OWX) == []
    # The comparison can fail: drop one axiom from the Turtle and it is found.
    text = TURTLE.read_text(encoding="utf-8")
    line = next(ln for ln in text.splitlines() if ln.strip().startswith("rdfs:subClassOf sec:"))
    changed = tmp_path / "seckg.ttl"
    changed.write_text(text.replace(line + "\n", "", 1), encoding="utf-8")
    differences = compare(changed, OWX)
    assert len(differences) == 1 and "SubClassOf" in differences[0] and str(OWX) in differences[0]


@pytest.fixture
def real_ontology_repo(make_repo):
    root = make_repo()
    for name in ("seckg.ttl", "seckg.owx"):
        shutil.copy(ROOT / "ontology" / name, root / "ontology" / name)
    return root


@pytest.mark.parametrize("path", ["/ontology", "/ontology/0.1.0"])
def test_programs_get_owlxml_at_the_ontology_iri_and_version_iri(real_ontology_repo, path):
    client = create_app(Config(root=real_ontology_repo)).test_client()
    redirect = client.get(path, headers={"Accept": "application/owl+xml"})
    assert redirect.status_code == 303 and redirect.headers["Location"].endswith(f"{path}.owx")
    assert redirect.headers["Vary"] == "Accept"
    document = client.get(f"{path}.owx")
    assert document.status_code == 200 and document.mimetype == "application/owl+xml"
    assert document.data == OWX.read_bytes()
    # The version IRI serves that version in every format, the same documents as the ontology IRI.
    for ext in ("ttl", "rdf", "owx", "html"):
        assert client.get(f"/ontology/0.1.0.{ext}").data == client.get(f"/ontology.{ext}").data
    assert client.get("/ontology/0.2.0.owx").status_code == 404


def test_a_stale_owlxml_file_is_not_served(real_ontology_repo):
    client = create_app(Config(root=real_ontology_repo)).test_client()
    turtle = real_ontology_repo / "ontology" / "seckg.ttl"
    turtle.write_text(turtle.read_text(encoding="utf-8") + "\n# A comment changes no triple.\n", encoding="utf-8")
    assert client.get("/ontology.owx").status_code == 200
    turtle.write_text(turtle.read_text(encoding="utf-8") + "sec:Novelty a owl:Class .\n", encoding="utf-8")
    stale = client.get("/ontology.owx")
    assert stale.status_code == 404 and b"out of date" in stale.data
    assert client.get("/ontology", headers={"Accept": "application/owl+xml"}).status_code == 406
    assert client.get("/ontology", headers={"Accept": "text/turtle"}).status_code == 303
    assert recorded_fingerprint(OWX.read_bytes()) == fingerprint(TURTLE.read_bytes())
