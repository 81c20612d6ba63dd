"""How a write becomes a change of the named graphs, and how the writer recovers from a crash,
without a server: the rules a curator relies on, one by one."""

from __future__ import annotations

import gc

import pyoxigraph as ox
import pytest

from seckg.config import Config
from seckg.journal import Journal, quads_text
from seckg.live_store import LiveStore
from seckg.loading import load
from seckg.transactions import WriteRefused, _with_using, data_file_of, update_change
from seckg.writer import Writer, WriterOptions

BASE = "https://w3id.org/seckg/"
ORGS = BASE + "graph/data/organizations/orgs"
MEMBERSHIPS = BASE + "graph/data/memberships/memberships"
COMMENT = "http://www.w3.org/2000/01/rdf-schema#comment"


@pytest.fixture
def store(config):
    return load(config).store


def test_data_graphs_map_to_data_files(config):
    assert str(data_file_of(config, ORGS)) == "data/organizations/orgs.ttl"
    for other in (BASE + "graph/ontology/seckg", BASE + "graph/data/../etc/passwd", BASE + "graph/data/",
                  "http://example.org/graph/data/x", BASE + "graph/data/a b"):
        assert data_file_of(config, other) is None, other


def test_insert_into_the_default_graph_goes_to_the_file_describing_the_subject(config, store):
    change = update_change(config, store, f'INSERT DATA {{ <{BASE}id/state/ARM> <{COMMENT}> "x" }}')
    assert change.per_graph() == {MEMBERSHIPS: {"removed": 0, "added": 1}}


def test_blank_nodes_follow_the_resource_that_owns_them(config, store):
    text = (f"INSERT DATA {{ <{BASE}id/org/NATO> <{BASE}ontology#foundedDuring> [ <{COMMENT}> \"inner\" ] }}")
    change = update_change(config, store, text)
    assert change.per_graph() == {ORGS: {"removed": 0, "added": 2}}


def test_insert_with_no_file_to_go_to_is_refused_unless_there_is_a_default_graph(config, store):
    text = f'INSERT DATA {{ <{BASE}id/org/NEW> <{COMMENT}> "x" }}'
    with pytest.raises(WriteRefused, match="GRAPH <…> or WITH <…>") as refused:
        update_change(config, store, text)
    assert refused.value.status == 400
    unfiled = BASE + "graph/data/curated/unfiled"
    assert update_change(config, store, text, default_graph=unfiled).per_graph() == {
        unfiled: {"removed": 0, "added": 1}}


def test_delete_from_the_default_graph_deletes_from_every_file_stating_the_triple(config, store):
    label = f'<{BASE}id/org/CSTO> <http://www.w3.org/2000/01/rdf-schema#label> "Collective Security Treaty Organization"@en'
    store.add(ox.Quad(ox.NamedNode(f"{BASE}id/org/CSTO"), ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"),
                      ox.Literal("Collective Security Treaty Organization", language="en"), ox.NamedNode(MEMBERSHIPS)))
    change = update_change(config, store, f"DELETE DATA {{ {label} }}")
    assert change.per_graph() == {ORGS: {"removed": 1, "added": 0}, MEMBERSHIPS: {"removed": 1, "added": 0}}
    assert len(store) == len(load(config).store) + 1  # the store itself was not touched


def test_using_clauses_go_before_each_where_and_nowhere_else():
    text = ('PREFIX a: <http://x#> DELETE { ?s a:p "} WHERE {" } INSERT { ?s a:p 2 } WHERE { ?s a:p ?o } ;\n'
            "INSERT DATA { <a:s> <a:p> 1 } ; DELETE WHERE { ?s ?p ?o } # WHERE")
    rewritten = _with_using(text, ["http://g/1"], ["http://g/2"])
    assert rewritten.count("USING") == 2
    assert ' USING <http://g/1> USING NAMED <http://g/2> WHERE { ?s a:p ?o }' in rewritten
    assert rewritten.endswith("DELETE WHERE { ?s ?p ?o } # WHERE")


def test_journal_drops_a_record_cut_short_by_a_crash(tmp_path):
    journal = Journal(tmp_path / "journal.jsonl")
    journal.append({"generation": 1})
    with journal.path.open("ab") as handle:
        handle.write(b'{"generation": 2, "rem')
    assert journal.recover() == len(b'{"generation": 2, "rem')
    assert [r["generation"] for r in journal.records()] == [1]


def test_a_change_journaled_but_not_applied_is_applied_at_start_up(config, tmp_path):
    live = LiveStore(tmp_path / "store")
    writer = Writer(config, live, WriterOptions())
    writer.start()
    started = writer.generation
    quad = ox.Quad(ox.NamedNode(f"{BASE}id/org/CSTO"), ox.NamedNode(COMMENT), ox.Literal("journaled"),
                   ox.NamedNode(ORGS))
    # The crash: the record is on disk, the database never got the change.
    live.journal.append({"generation": started + 1, "time": "", "who": "test", "what": {"kind": "update"},
                         "graphs": {}, "removed": "", "added": quads_text([quad])})
    del writer
    gc.collect()  # closes the database
    again = Writer(config, live, WriterOptions())
    again.start()
    assert again.generation > started
    assert quad in set(live.open_current().store.quads_for_pattern(None, None, None, None))
    assert again.mirror.union_graph.query(f'ASK {{ ?s <{COMMENT}> "journaled" }}').askAnswer


def test_targets_decided_per_node_are_pyshacls_targets():
    """change_validation decides each shape's targets for the focus nodes only (SPARQL targets by
    Oxigraph); on the repository's own data and shapes that must pick exactly the nodes pyshacl's
    whole-graph target computation picks, shape by shape."""
    from pathlib import Path

    from pyshacl import Validator
    from pyshacl.graph_abstraction import DataGraph
    from rdflib import BNode, Literal

    from seckg.change_validation import _targeted
    from seckg.validation import _OPTIONS, PreparedQueryGraph

    loaded = load(Config(root=Path(__file__).resolve().parents[1]))
    graph = loaded.union_graph
    nodes = {n for t in graph for n in (t[0], t[2]) if not isinstance(n, Literal)}
    focus = {n for i, n in enumerate(sorted(nodes, key=str)) if i % 3 == 0 or isinstance(n, BNode)}
    data = DataGraph.from_rdflib(PreparedQueryGraph(graph))
    validator = Validator(data, shacl_graph=loaded.shapes, options=dict(_OPTIONS))
    compared = 0
    for shape in validator.shacl_graph.shapes:
        shape.set_advanced(True)
        expected = sorted((n for n in shape.focus_nodes(data) if n in focus), key=str)
        assert _targeted(shape, graph, loaded.store, focus, {}) == expected, shape.node
        compared += bool(expected)
    assert compared > 20  # most shapes target some of the sampled nodes


def test_counts_kept_in_step_with_writes_are_the_counts_of_the_published_snapshot(config, tmp_path):
    live = LiveStore(tmp_path / "store")
    writer = Writer(config, live, WriterOptions(rate="off"))
    writer.start()
    new_graph = BASE + "graph/data/curated/counted"
    requests = [
        {"op": "update", "update": f'INSERT DATA {{ <{BASE}id/org/CSTO> <{COMMENT}> "one" }}'},
        {"op": "update", "update": f'DELETE DATA {{ <{BASE}id/org/CSTO> <{COMMENT}> "one" }}'},
        {"op": "graph", "method": "PUT", "graph": new_graph, "media_type": "text/turtle",
         "body": f'<{BASE}id/org/CSTO> <{COMMENT}> "two" .'.encode()},
        # the same triple in a second graph: the union does not grow
        {"op": "update", "update": f'INSERT DATA {{ GRAPH <{ORGS}> {{ <{BASE}id/org/CSTO> <{COMMENT}> "two" }} }}'},
        {"op": "graph", "method": "DELETE", "graph": new_graph},
    ]
    for request in requests:
        answer = writer.handle({"who": "test", **request})
        assert answer["status"] in (200, 201), answer
        published = live.read_current()
        snapshot = live.open_current()
        assert published["graphs"] == snapshot.triples_per_graph(), request
        assert published["union"] == snapshot.union_size(), request
    assert new_graph not in live.read_current()["graphs"]
