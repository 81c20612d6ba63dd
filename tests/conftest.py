"""Fixtures over a tiny repository written to tmp_path, so these tests never depend on the
real ontology, data or shapes, which other people are changing; and how the suite runs on two
processes (pytest-xdist, `-n 2 --dist loadfile` in pyproject.toml) without doing work twice.

Getting what a test needs cheaply:
- The tiny repository: `make_repo`/`repo`/`config`/`app`/`client`/`runner` (per test, milliseconds).
- The real repository, loaded and validated: `repository_validation` (once per process, read-only).
- A live server: `live_server.serving(root, ...)` or `serving_backend(backend, root, ...)` in a
  fixture of scope="module" (one server per configuration per module, a few seconds to start).
  xdist hands out whole modules (`--dist loadfile`), so a module-scoped fixture is set up once,
  as without xdist. A module that shares an in-process cache (functools.cache) with another
  module's tests names that module in SAME_WORKER_AS below.
- A module that takes a quarter of a minute or more: `pytestmark = pytest.mark.slow(SECONDS)`,
  a rough figure measured on the 2-core machine. Workers start slow modules first, slowest first,
  so no long one is left for the end; the figure decides only that order.
Ports come from the kernel (`free_port`), temporary files from tmp_path, which xdist keeps
apart per worker; a test must not write into the repository itself.
"""

from __future__ import annotations

import socket
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from seckg.config import Config
from seckg.loading import LoadedGraph, load
from seckg.validation import ValidationReport, validate
from seckg.web import create_app

FIXTURES = Path(__file__).parent / "fixtures"
REPOSITORY = Path(__file__).resolve().parents[1]

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


@pytest.fixture(scope="session")
def repository_validation() -> tuple[LoadedGraph, ValidationReport]:
    """The real repository's ontology, data and shapes, loaded and validated as `seckg validate`
    does, once per process (a full validation takes about 15 s). Shared: do not change the graphs;
    a test that edits files copies them to tmp_path and validates the copy itself."""
    loaded = load(Config(root=REPOSITORY))
    return loaded, validate(loaded)


# --- Running on two processes -----------------------------------------------------------------

# Modules whose tests run on the worker of another module, because they share its in-process caches
# (tests/test_shacl_crosscheck.py uses test_shapes.fixture_run() and the repository's validation).
SAME_WORKER_AS = {"tests/test_shacl_crosscheck.py": "tests/test_shapes.py"}


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "slow(seconds): the module takes a quarter of a minute or more (a rough figure on the "
        "2-core machine); parallel workers start the slowest modules first")


@pytest.hookimpl(tryfirst=True, optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """`--dist loadfile`, with the modules of SAME_WORKER_AS on one worker."""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class ModuleScheduling(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module = super()._split_scope(nodeid)
            return SAME_WORKER_AS.get(module, module)

    return ModuleScheduling(config, log)


def pytest_collection_modifyitems(config, items):
    """On an xdist worker, put the modules marked slow first, slowest first, so that no long one is
    left for the end while the other worker idles (the controller hands out modules in this order
    when run with --no-loadscope-reorder). A single process keeps the usual order."""
    if not hasattr(config, "workerinput"):
        return

    def seconds(item: pytest.Item) -> float:
        mark = item.get_closest_marker("slow")
        return float(mark.args[0] if mark.args else mark.kwargs.get("seconds", 15)) if mark else 0.0

    items.sort(key=lambda item: -seconds(item))  # stable: each module's tests keep their order
