"""pyshacl's verdict checked against a second, independent SHACL engine: Apache Jena's.

The repository's graph and the shape fixtures (all in one graph, as tests/test_shapes.py runs
them) are validated by both engines with the same shapes; both must find the same results,
compared as (severity, resource, blank or IRI focus, path, constraint component, shape), and
agree on whether there is a violation. Jena runs from Debian's libapache-jena-java through
tests/jena/JenaShacl.java (single-file source launch); `make test` installs the package.

Differences between the engines that are not bugs, and how the comparison treats them:
- sh:conforms. SHACL says a graph conforms when there is no result at all, and Jena says so;
  seckg runs pyshacl with allow_warnings, so warnings do not fail the graph. The comparison is
  on "has a violation", which both reports give.
- Ill-typed literals. SHACL's sh:datatype fails a literal whose text is not of its datatype;
  rdflib checks that for xsd:date but not for xsd:gYear, so pyshacl passes "99"^^xsd:gYear
  (the sh:pattern of shapes/memberships.ttl reports it) where Jena reports both. That one
  result is listed in KNOWN_DIFFERENCES; the test fails if it goes away too, so the list stays
  true.
- A result's focus, when a blank node (an interval, an instant), is compared by the resource
  that owns it, since blank node ids differ between engines; a blank property shape by the node
  shape holding it and its path.
"""

from __future__ import annotations

import functools
import os
import subprocess
import sys
import zipfile
from collections import Counter
from pathlib import Path

import pytest
from rdflib import BNode, Graph, URIRef
from rdflib.namespace import SH
from rdflib.term import Node

sys.path.insert(0, str(Path(__file__).parent))

import test_shapes  # noqa: E402

from seckg.validation import owning_resource  # noqa: E402

JENA = Path(__file__).parent / "jena"
JAVA_DIR = Path(os.environ.get("JENA_JAVA_DIR", "/usr/share/java"))
# Debian's Jena relocates its copy of Xerces to the package `xerces` but leaves Xerces's message
# bundles under org/apache/jena/ext/xerces: the first XSD datatype Jena builds then fails with
# "internal error" (this is why Debian's own Jena command-line tools die at start-up). Copying
# the bundles to where the relocated classes look for them, on the classpath, mends it.
BUNDLES_IN_JAR = "org/apache/jena/ext/xerces/"

Key = tuple[str, str, str, str, str, str]

# Results that Jena reports and pyshacl does not, by fixture (see the module docstring).
KNOWN_DIFFERENCES: dict[str, set[Key]] = {
    "instant-year-malformed.ttl": {(
        "Violation", "https://example.org/fixture/instant-year-malformed", "blank",
        "http://www.w3.org/2006/time#inXSDgYear", "http://www.w3.org/ns/shacl#DatatypeConstraintComponent",
        "https://w3id.org/seckg/shapes#InstantShape property http://www.w3.org/2006/time#inXSDgYear",
    )},
}


def jar_names() -> list[str]:
    lines = (line.split("#", 1)[0].strip() for line in (JENA / "jena-jars.txt").read_text().splitlines())
    return [line for line in lines if line]


@functools.cache
def classpath(cache: Path) -> str:
    jars = [JAVA_DIR / f"{name}.jar" for name in jar_names()]
    missing = [str(j) for j in jars if not j.is_file()]
    if missing:
        pytest.fail(f"Jena jars missing: {', '.join(missing)}; run `sh {JENA / 'ensure-jena.sh'}` as root "
                    "(apt-get install libapache-jena-java), or set JENA_JAVA_DIR")
    bundles = cache / "xerces-messages"
    with zipfile.ZipFile(JAVA_DIR / "jena-core.jar") as jar:
        for name in jar.namelist():
            if name.startswith(BUNDLES_IN_JAR) and name.endswith(".properties"):
                target = bundles / "xerces" / name[len(BUNDLES_IN_JAR):]
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(jar.read(name))
    return os.pathsep.join([str(bundles), *map(str, jars)])


def jena(data: Graph, shapes: Graph, workdir: Path) -> tuple[bool, Counter]:
    """Whether Jena finds a violation, and its results."""
    data_file, shapes_file = workdir / "data.nt", workdir / "shapes.nt"
    data.serialize(data_file, format="nt", encoding="utf-8")
    shapes.serialize(shapes_file, format="nt", encoding="utf-8")
    run = subprocess.run(
        ["java", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp", classpath(workdir.parent),
         str(JENA / "JenaShacl.java"), str(data_file), str(shapes_file)],
        capture_output=True, text=True, timeout=600,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    results: Counter = Counter()
    for line in run.stdout.splitlines():
        fields = line.split("\t")
        if fields[0] == "result":
            results[tuple(fields[1:])] += 1
    return any(key[0] == "Violation" for key in results), results


def _shape(shapes: Graph, shape: Node) -> str:
    if isinstance(shape, URIRef):
        return str(shape)
    parents = [p for p in shapes.subjects(SH.property, shape) if isinstance(p, URIRef)]
    if len(parents) != 1:
        return "anonymous"
    path = shapes.value(shape, SH.path)
    return f"{parents[0]} property {path if isinstance(path, URIRef) else 'complex'}"


def pyshacl_results(results: list[test_shapes.Result], graph: Graph, shapes: Graph) -> tuple[bool, Counter]:
    found: Counter = Counter()
    for r in results:
        owner = owning_resource(graph, r.focus)
        found[(
            str(r.severity).rsplit("#", 1)[-1],
            str(owner) if isinstance(owner, URIRef) else "_:unowned",
            "blank" if isinstance(r.focus, BNode) else "iri",
            "-" if r.path is None else str(r.path) if isinstance(r.path, URIRef) else "complex",
            str(r.component),
            _shape(shapes, r.shape),
        )] += 1
    return any(key[0] == "Violation" for key in found), found


def differences(ours: Counter, theirs: Counter) -> str:
    only_ours, only_theirs = ours - theirs, theirs - ours
    lines = [f"pyshacl only: {k}" for k in sorted(only_ours)] + [f"Jena only:    {k}" for k in sorted(only_theirs)]
    return "\n".join(lines)


def test_jena_agrees_on_the_repository(tmp_path, repository_validation):
    loaded, report = repository_validation
    graph = loaded.union_graph
    violation, ours = pyshacl_results(test_shapes.top_level_results(report.graph, graph), graph, loaded.shapes)
    (tmp_path / "run").mkdir()
    jena_violation, theirs = jena(graph, loaded.shapes, tmp_path / "run")
    assert not violation and not jena_violation
    assert ours == theirs, differences(ours, theirs)
    assert ours, "the repository's warnings (missing Wikidata items) should be found by both"


def test_jena_agrees_on_every_fixture(tmp_path):
    by_fixture, stray = test_shapes.fixture_run()
    graph, shapes = test_shapes.fixture_graph(), test_shapes.shapes()
    ours_by_fixture = {name: pyshacl_results(results, graph, shapes)[1] for name, results in by_fixture.items()}
    (tmp_path / "run").mkdir()
    _, theirs = jena(graph, shapes, tmp_path / "run")
    owners = {str(s): name for name, f in test_shapes.fixtures().items() for s in f.subjects}
    theirs_by_fixture: dict[str, Counter] = {name: Counter() for name in by_fixture}
    for key, count in theirs.items():
        theirs_by_fixture.setdefault(owners.get(key[1], "(context)"), Counter())[key] += count
    for name, keys in KNOWN_DIFFERENCES.items():
        found = {k for k in keys if theirs_by_fixture[name][k] and not ours_by_fixture[name][k]}
        assert found == keys, f"{name}: the known difference is gone; remove it from KNOWN_DIFFERENCES"
        for key in keys:
            del theirs_by_fixture[name][key]
    disagreements = {
        name: differences(ours_by_fixture.get(name, Counter()), theirs_by_fixture.get(name, Counter()))
        for name in sorted(set(ours_by_fixture) | set(theirs_by_fixture))
    }
    disagreements = {name: text for name, text in disagreements.items() if text}
    assert not disagreements, "\n".join(f"{name}:\n{text}" for name, text in disagreements.items())
    assert not stray
