"""Fixtures over a tiny repository written to tmp_path, so these tests never depend on the
real ontology, data or shapes, which other people are changing."""

from __future__ import annotations

import socket
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from seckg.config import Config
from seckg.web import create_app

FIXTURES = Path(__file__).parent / "fixtures"

PREFIXES = """\
@prefix sec: <https://w3id.org/seckg/ontology#> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix id: <https://w3id.org/seckg/id/> .
"""

ONTOLOGY = (
    PREFIXES
    + """
sec:Alliance a owl:Class ;
    rdfs:subClassOf org:FormalOrganization ;
    rdfs:label "Alliance"@en .

org:FormalOrganization a owl:Class .
sec:State a owl:Class .
sec:since a owl:DatatypeProperty .
"""
)

ORGS = (
    PREFIXES
    + """
<https://w3id.org/seckg/id/org/CSTO> a sec:Alliance ;
    rdfs:label "Collective Security Treaty Organization"@en .

<https://w3id.org/seckg/id/org/NATO> a sec:Alliance ;
    rdfs:label "North Atlantic Treaty Organization"@en .
"""
)

MEMBERSHIPS = (
    PREFIXES
    + """
<https://w3id.org/seckg/id/state/ARM> a sec:State ;
    rdfs:label "Armenia"@en .

<https://w3id.org/seckg/id/state/KAZ> a sec:State ;
    rdfs:label "Kazakhstan"@en .

<https://w3id.org/seckg/id/membership/CSTO-ARM> a org:Membership ;
    org:organization <https://w3id.org/seckg/id/org/CSTO> ;
    org:member <https://w3id.org/seckg/id/state/ARM> ;
    sec:since "2003-09-18"^^xsd:date .

<https://w3id.org/seckg/id/membership/CSTO-KAZ> a org:Membership ;
    org:organization <https://w3id.org/seckg/id/org/CSTO> ;
    org:member <https://w3id.org/seckg/id/state/KAZ> ;
    sec:since "2006-01-01"^^xsd:date .
"""
)

SHAPES = (
    PREFIXES
    + """
@prefix shp: <https://w3id.org/seckg/shapes#> .

shp:OrganizationShape a sh:NodeShape ;
    sh:targetClass org:FormalOrganization ;
    sh:property [
        sh:path rdfs:label ;
        sh:minCount 1 ;
        sh:message "An organization needs an rdfs:label." ;
    ] .

shp:MembershipShape a sh:NodeShape ;
    sh:targetClass org:Membership ;
    sh:property [
        sh:path org:member ;
        sh:minCount 1 ;
        sh:class sec:State ;
        sh:message "A membership needs a member that is a sec:State." ;
    ] ;
    sh:property [
        sh:path sec:since ;
        sh:maxCount 1 ;
        sh:severity sh:Warning ;
        sh:message "A membership should start once." ;
    ] .
"""
)

MEMBERS_QUERY = """\
#+ title: Members of an organization on a date
#+ description: States that were members of the organization on the given day.
#+ param: org | iri | https://w3id.org/seckg/id/org/CSTO | The organization
#+ param: date | date | 2005-11-01 | The day asked about (YYYY-MM-DD)
#+ result: member, memberLabel
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX sec: <https://w3id.org/seckg/ontology#>
SELECT ?member ?memberLabel WHERE {
  ?m org:organization ?org ;
     org:member ?member ;
     sec:since ?since .
  ?member rdfs:label ?memberLabel .
  FILTER(?since <= ?date)
}
ORDER BY ?memberLabel
"""

LABEL_QUERY = """\
#+ title: Resources with a given label
#+ param: name | string | Armenia | The English label
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?thing WHERE { ?thing rdfs:label ?label FILTER(str(?label) = ?name) }
"""

BASE_FILES = {
    "pyproject.toml": "",
    "ontology/seckg.ttl": ONTOLOGY,
    "data/organizations/orgs.ttl": ORGS,
    "data/memberships/memberships.ttl": MEMBERSHIPS,
    "shapes/core.ttl": SHAPES,
    "queries/members-on-date.rq": MEMBERS_QUERY,
    "queries/by-label.rq": LABEL_QUERY,
}

# An alliance without a label: a violation found only through rdfs:subClassOf.
UNLABELLED_ALLIANCE = (
    PREFIXES
    + """
<https://w3id.org/seckg/id/org/SCO> a sec:Alliance ;
    sec:since "2001-06-15"^^xsd:date .
"""
)


@pytest.fixture
def make_repo(tmp_path: Path) -> Callable[..., Path]:
    """Write the tiny repository, with `files` added or (value None) removed, and return its root."""
    counter = iter(range(1000))

    def make(files: dict[str, str | None] | None = None) -> Path:
        root = tmp_path / f"repo{next(counter)}"
        for rel, text in {**BASE_FILES, **(files or {})}.items():
            if text is None:
                continue
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text), encoding="utf-8")
        return root

    return make


@pytest.fixture
def repo(make_repo) -> Path:
    return make_repo()


@pytest.fixture
def config(repo: Path) -> Config:
    return Config(root=repo)


@pytest.fixture
def app(config: Config):
    app = create_app(config)
    app.config.update(TESTING=True)
    return app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(repo: Path, monkeypatch) -> CliRunner:
    """Runs `seckg` against the tiny repository (pass --root to use another)."""
    monkeypatch.delenv("SECKG_BASE", raising=False)
    return CliRunner(env={"SECKG_ROOT": str(repo)})


@pytest.fixture
def trap():
    """A loopback socket that must never be connected to; an accept() that succeeds fails the test."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    sock.setblocking(False)
    yield sock, f"http://127.0.0.1:{sock.getsockname()[1]}/sparql"
    try:
        with pytest.raises(BlockingIOError):
            sock.accept()  # the answer came after any connection would have been made
    finally:
        sock.close()
