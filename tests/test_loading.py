"""Loading: one named graph per file, every parse error reported with its place, subjects located."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Literal, URIRef

from conftest import FIXTURES, PREFIXES
from seckg.config import DEFAULT_BASE, Config, discover_root
from seckg.loading import Location, graph_iri, load, subject_lines

CSTO = "https://w3id.org/seckg/id/org/CSTO"
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"


def graphs_of(loaded, subject: str) -> set[str]:
    quads = loaded.store.quads_for_pattern(ox.NamedNode(subject), None, None, None)
    return {q.graph_name.value for q in quads}


def test_each_file_is_its_own_named_graph(config):
    loaded = load(config)
    assert loaded.ok
    assert loaded.graphs == {
        "https://w3id.org/seckg/graph/ontology/seckg": Path("ontology/seckg.ttl"),
        "https://w3id.org/seckg/graph/data/organizations/orgs": Path("data/organizations/orgs.ttl"),
        "https://w3id.org/seckg/graph/data/memberships/memberships": Path("data/memberships/memberships.ttl"),
    }
    assert graphs_of(loaded, CSTO) == {"https://w3id.org/seckg/graph/data/organizations/orgs"}
    # nothing lands in the default graph: every triple can be traced to its file
    assert not list(loaded.store.quads_for_pattern(None, None, None, ox.DefaultGraph()))


def test_graph_iri_follows_the_configured_base(repo):
    config = Config(root=repo, base="http://example.org/kg")
    assert config.base == "http://example.org/kg/"
    path = repo / "data" / "seed" / "edm-2005-v2-i213.ttl"
    assert graph_iri(config, path) == "http://example.org/kg/graph/data/seed/edm-2005-v2-i213"


def test_parse_errors_name_file_line_and_column_and_loading_goes_on(make_repo):
    root = make_repo()
    for bad in sorted((FIXTURES / "bad_syntax").glob("*.ttl")):
        shutil.copy(bad, root / "data" / bad.name)
    loaded = load(Config(root=root))

    places = {(p.file.as_posix(), p.line, p.column) for p in loaded.problems}
    assert places == {
        ("data/undeclared-prefix.ttl", 5, 41),
        ("data/unterminated-string.ttl", 4, 52),
    }
    messages = {p.file.name: p.message for p in loaded.problems}
    assert "ex:" in messages["undeclared-prefix.ttl"]
    assert str(loaded.problems[0]).startswith("data/undeclared-prefix.ttl:5:41: ")
    assert not loaded.ok
    # the good files are loaded; nothing at all of a bad file is (not even its good first triple)
    assert graphs_of(loaded, CSTO)
    assert not graphs_of(loaded, "https://w3id.org/seckg/id/org/BROKEN2")
    assert len(loaded.graphs) == 3


def test_a_broken_shapes_file_is_reported_too(make_repo):
    root = make_repo({"shapes/broken.ttl": "@prefix sh: <http://www.w3.org/ns/shacl#> .\nsh:x sh:y [ ."})
    loaded = load(Config(root=root))
    assert [(p.file.as_posix(), p.line) for p in loaded.problems] == [("shapes/broken.ttl", 2)]


def test_blank_nodes_of_different_files_stay_apart(make_repo):
    def text(name):
        return PREFIXES + f'_:b1 rdfs:label "{name}" .\n'

    loaded = load(Config(root=make_repo({"data/a.ttl": text("a"), "data/b.ttl": text("b")})))
    labelled = {
        q.subject
        for q in loaded.store.quads_for_pattern(None, ox.NamedNode(LABEL), None, None)
        if isinstance(q.subject, ox.BlankNode)
    }
    assert len(labelled) == 2


def test_subjects_are_located_at_the_line_that_starts_them(config):
    loaded = load(config)
    orgs = (config.root / "data/organizations/orgs.ttl").read_text().splitlines()
    expected = next(i for i, line in enumerate(orgs, start=1) if line.startswith(f"<{CSTO}>"))
    assert loaded.location(CSTO) == Location(Path("data/organizations/orgs.ttl"), expected)
    sec_alliance = "https://w3id.org/seckg/ontology#Alliance"
    assert loaded.location(sec_alliance).file == Path("ontology/seckg.ttl")
    assert loaded.location("https://w3id.org/seckg/id/org/NOWHERE") is None


def test_subject_lines_uses_prefixes_and_skips_lookalikes_in_long_strings():
    text = (
        "@prefix st: <https://w3id.org/seckg/id/state/> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        'st:X rdfs:comment """starts here\n'
        "st:Y is mentioned only inside a string\n"
        '""" .\n'
        "\n"
        'st:Y rdfs:label "Y" .\n'
        '<../org/Z> rdfs:label "Z" .\n'
        'st:X rdfs:label "X again" .\n'
        'st:Unparsed rdfs:label "not a parsed subject" .\n'
    )
    subjects = {
        "https://w3id.org/seckg/id/state/X",
        "https://w3id.org/seckg/id/state/Y",
        "https://w3id.org/seckg/id/org/Z",
    }
    found = subject_lines(text, "https://w3id.org/seckg/id/state/", subjects)
    assert found == {
        "https://w3id.org/seckg/id/state/X": 3,
        "https://w3id.org/seckg/id/state/Y": 7,
        "https://w3id.org/seckg/id/org/Z": 8,
    }


def test_union_graph_uses_plain_literals_as_shapes_do(config):
    union = load(config).union_graph
    assert (
        URIRef(CSTO),
        URIRef(LABEL),
        Literal("Collective Security Treaty Organization", lang="en"),
    ) in union
    alliance = URIRef("https://w3id.org/seckg/ontology#Alliance")
    plain = Literal("Alliance", lang="en")
    assert (alliance, URIRef(LABEL), plain) in union


def test_dataset_keeps_named_graphs(config):
    dataset = load(config).dataset()
    names = {str(g.identifier) for g in dataset.graphs() if len(g)}
    assert "https://w3id.org/seckg/graph/data/organizations/orgs" in names
    assert len(names) == 3


def test_root_comes_from_env_then_from_the_nearest_pyproject(tmp_path, monkeypatch):
    (tmp_path / "pyproject.toml").write_text("")
    nested = tmp_path / "data" / "deep"
    nested.mkdir(parents=True)
    monkeypatch.delenv("SECKG_ROOT", raising=False)
    monkeypatch.chdir(nested)
    assert discover_root() == tmp_path.resolve()
    monkeypatch.setenv("SECKG_ROOT", str(nested))
    assert discover_root() == nested.resolve()
    monkeypatch.setenv("SECKG_BASE", "http://example.org/x/")
    assert Config.from_env().base == "http://example.org/x/"
    monkeypatch.delenv("SECKG_BASE")
    assert Config.from_env().base == DEFAULT_BASE


@pytest.mark.parametrize("relative", ["ontology/seckg.ttl", "data/organizations/orgs.ttl"])
def test_missing_folders_load_as_empty(make_repo, relative):
    loaded = load(Config(root=make_repo({relative: None, "data/memberships/memberships.ttl": None})))
    assert loaded.ok
    assert len(loaded.graphs) == 1


def test_files_read_inside_oxigraph_load_as_parse_file_reads_them(make_repo):
    """Plain files and files with labelled blank nodes are loaded without a Python object per
    triple; what lands in the store must be what parse_file gives, blank node names included
    (they are stable: the same files give the same dumps and ETags)."""
    from seckg.loading import parse_file

    no_blank = PREFIXES + '<https://w3id.org/seckg/id/org/A> rdfs:label "A" , "A"@fr .\n'
    labelled = PREFIXES + ('<https://w3id.org/seckg/id/org/B> rdfs:seeAlso _:z .\n'
                           '_:z rdfs:label "z" ; rdfs:seeAlso _:a .\n_:a rdfs:label "a" .\n')
    anonymous = PREFIXES + '<https://w3id.org/seckg/id/org/C> rdfs:seeAlso [ rdfs:label "c" ] .\n'
    config = Config(root=make_repo({"data/plain.ttl": no_blank, "data/labelled.ttl": labelled,
                                    "data/anonymous.ttl": anonymous}))
    loaded = load(config)
    assert loaded.ok
    for name in ("plain", "labelled", "anonymous"):
        path = config.root / f"data/{name}.ttl"
        graph = graph_iri(config, path)
        stored = set(loaded.store.quads_for_pattern(None, None, None, ox.NamedNode(graph)))
        assert stored == set(parse_file(config, path, graph)), name
    assert loaded.location("https://w3id.org/seckg/id/org/B").file == Path("data/labelled.ttl")
    again = load(config)
    assert set(again.store) == set(loaded.store)


def test_the_bulk_load_into_a_disk_store_gives_the_same_graphs(make_repo, tmp_path):
    """`seckg serve --store` reads the files straight into the on-disk store with Oxigraph's bulk
    loader: the same quads as the in-memory load, stable blank node names included, and of a
    file that breaks off with a syntax error nothing at all (the bulk loader is no transaction)."""
    labelled = PREFIXES + ('<https://w3id.org/seckg/id/org/B> rdfs:seeAlso _:z .\n'
                           '_:z rdfs:label "z" .\n')
    anonymous = PREFIXES + '<https://w3id.org/seckg/id/org/C> rdfs:seeAlso [ rdfs:label "c" ] .\n'
    broken = PREFIXES + ('<https://w3id.org/seckg/id/org/D> rdfs:label "D" .\n' * 50
                         + '<https://w3id.org/seckg/id/org/E> rdfs:label "unterminated .\n')
    broken_blank = PREFIXES + ('<https://w3id.org/seckg/id/org/F> rdfs:seeAlso _:f .\n' * 50
                               + '<https://w3id.org/seckg/id/org/G> rdfs:label "unterminated .\n')
    control = PREFIXES + ('<https://w3id.org/seckg/id/org/H> rdfs:label "H" .\n' * 50
                          + '<https://w3id.org/seckg/id/org/I> rdfs:label "bell \\u0007" .\n')
    config = Config(root=make_repo({"data/labelled.ttl": labelled, "data/anonymous.ttl": anonymous,
                                    "data/broken.ttl": broken, "data/broken_blank.ttl": broken_blank,
                                    "data/control.ttl": control}))
    memory = load(config)
    disk = load(config, store=ox.Store(str(tmp_path / "db")))
    assert set(disk.store) == set(memory.store) and len(disk.store) > 0
    unreadable = [Path(f"data/{name}.ttl") for name in ("broken", "broken_blank", "control")]
    assert [p.file for p in disk.problems] == [p.file for p in memory.problems] == unreadable
    assert disk.subject_locations == memory.subject_locations
    for kept_out in ("D", "F", "H"):
        assert not graphs_of(disk, f"https://w3id.org/seckg/id/org/{kept_out}")


def test_subjects_are_located_when_first_asked_for_and_never_in_an_edited_file(config):
    """Locating subjects is a third of a start at a million triples and only reports with
    findings need it, so it waits until asked; by then a file edited since it was loaded (and
    not reloaded) no longer matches the store, and gives no lines rather than wrong ones."""
    loaded = load(config)
    assert not loaded.located and loaded.unlocated
    orgs = config.data_dir / "organizations" / "orgs.ttl"
    orgs.write_text("\n\n\n" + orgs.read_text(encoding="utf-8"), encoding="utf-8")
    assert loaded.location(CSTO) is None
    memberships = Path("data/memberships/memberships.ttl")
    assert any(loc.file == memberships for locs in loaded.subject_locations.values() for loc in locs)
    assert load(config).location(CSTO).file == Path("data/organizations/orgs.ttl")
