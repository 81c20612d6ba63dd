"""Dumps at /dumps/ and `seckg export`: same triples as the endpoint, graphs kept, HTTP caching."""

from __future__ import annotations

import gzip
import json
import urllib.parse

import pytest
from click.testing import CliRunner
from rdflib import Dataset, Graph, URIRef
from rdflib.compare import isomorphic

from live_server import BACKENDS, request, serving, serving_backend, write_repo
from seckg.cli import main
from test_linked_data import FILES

UNION = {"seckg.ttl": "turtle", "seckg.nt": "nt", "seckg.jsonld": "json-ld", "seckg.rdf": "xml"}
QUADS = {"seckg.trig": "trig", "seckg.nq": "nquads"}


@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    return write_repo(tmp_path_factory.mktemp("dumps-repo"), FILES)


@pytest.fixture(scope="module", params=BACKENDS)
def base(request, repo):
    with serving_backend(request.param, repo, "--workers", "2") as url:
        yield url


def sparql(base: str, query: str, accept: str) -> bytes:
    status, _, body = request(base + "/sparql?" + urllib.parse.urlencode({"query": query}),
                              headers={"Accept": accept})
    assert status == 200, body
    return body


@pytest.fixture(scope="module")
def served(base) -> Graph:
    """The union graph as the SPARQL endpoint serves it."""
    body = sparql(base, "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", "application/n-triples")
    return Graph().parse(data=body, format="nt")


def get_dump(base: str, name: str) -> tuple[dict, bytes]:
    status, headers, body = request(base + "/dumps/" + name)
    assert status == 200
    assert int(headers["Content-Length"]) == len(body)
    assert headers["ETag"] and headers["Last-Modified"]
    return headers, body


@pytest.mark.parametrize("name, fmt", sorted(UNION.items()))
def test_union_dumps_hold_exactly_the_served_triples(base, served, name, fmt):
    _, body = get_dump(base, name)
    dumped = Graph().parse(data=body, format=fmt)
    assert len(dumped) == len(served) > 30
    assert isomorphic(dumped, served)


@pytest.mark.parametrize("name, fmt", sorted(QUADS.items()))
def test_quad_dumps_keep_the_named_graphs(base, served, name, fmt):
    _, body = get_dump(base, name)
    dataset = Dataset()
    dataset.parse(data=body, format=fmt)
    counts = {row["g"]["value"]: int(row["n"]["value"]) for row in json.loads(sparql(
        base, "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
        "application/sparql-results+json"))["results"]["bindings"]}
    graphs = {str(g.identifier): len(g) for g in dataset.graphs() if len(g)}
    assert graphs == counts and "https://w3id.org/seckg/graph/data/statements/extra" in graphs
    union = Graph()
    for g in dataset.graphs():
        for triple in g:
            union.add(triple)
    assert isomorphic(union, served)


def test_gzipped_dumps_unpack_to_the_plain_ones(base):
    for name in (*UNION, *QUADS):
        _, plain = get_dump(base, name)
        headers, packed = get_dump(base, name + ".gz")
        assert headers["Content-Type"] == "application/gzip"
        assert gzip.decompress(packed) == plain
        assert headers["ETag"] != get_dump(base, name)[0]["ETag"]


def test_conditional_requests_get_304(base):
    headers, _ = get_dump(base, "seckg.nq")
    status, _, body = request(base + "/dumps/seckg.nq", headers={"If-None-Match": headers["ETag"]})
    assert status == 304 and body == b""
    status, _, _ = request(base + "/dumps/seckg.nq", headers={"If-Modified-Since": headers["Last-Modified"]})
    assert status == 304
    status, _, _ = request(base + "/dumps/seckg.nq", headers={"If-None-Match": '"something-else"'})
    assert status == 200


def test_index_lists_every_dump_and_unknown_names_are_404(base):
    status, _, body = request(base + "/dumps/")
    assert status == 200
    for name in (*UNION, *QUADS):
        assert f'href="{name}"'.encode() in body and f'href="{name}.gz"'.encode() in body
    assert request(base + "/dumps/seckg.csv")[0] == 404


def test_export_writes_the_same_files(request, base, repo, tmp_path):
    """Byte for byte from the embedded store: blank nodes are named by file and position when
    loading, so a second load (this export, a restarted server) writes the same bytes and the same
    ETags. A remote store names blank nodes its own way, so there the graphs are compared."""
    remote = request.node.callspec.params["base"] == "remote"
    result = CliRunner().invoke(main, ["--root", str(repo), "export", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    for name in (*UNION, *QUADS):
        written = (tmp_path / "out" / name).read_bytes()
        assert gzip.decompress((tmp_path / "out" / (name + ".gz")).read_bytes()) == written
        _, served_bytes = get_dump(base, name)
        assert b"_:" in written or name in ("seckg.jsonld", "seckg.rdf"), "the test repo has blank nodes"
        if not remote:
            assert written == served_bytes, name
        elif name in UNION:
            assert isomorphic(Graph().parse(data=written, format=UNION[name]),
                              Graph().parse(data=served_bytes, format=UNION[name])), name
        else:
            exported, served = Dataset(), Dataset()
            exported.parse(data=written, format=QUADS[name])
            served.parse(data=served_bytes, format=QUADS[name])
            assert len(exported) == len(served) and {g.identifier for g in exported.graphs()} == {
                g.identifier for g in served.graphs()}, name


# No server involved (`seckg export` writes from the files), so there is no remote variant.
def test_export_of_one_format_and_a_wrong_one(repo, tmp_path):
    result = CliRunner().invoke(main, ["--root", str(repo), "export", "--format", "nquads", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["seckg.nq", "seckg.nq.gz"]
    assert URIRef("https://w3id.org/seckg/graph/data/statements/extra").n3() in (tmp_path / "seckg.nq").read_text()
    result = CliRunner().invoke(main, ["--root", str(repo), "export", "--format", "csv", "--out", str(tmp_path)])
    assert result.exit_code == 2 and "unknown format" in result.output


def test_dumps_are_written_when_first_asked_for_and_kept_with_the_store(repo, tmp_path):
    """Nothing is written before the server is ready; requests that arrive together, in both
    workers, get the one dump written for them; a restart on the same store serves it as it was."""
    from concurrent.futures import ThreadPoolExecutor

    store = tmp_path / "store"
    with serving(repo, "--workers", "2", "--store", str(store)) as url:
        assert not (store / "dumps" / "turtle.json").exists()
        with ThreadPoolExecutor(6) as pool:
            answers = list(pool.map(lambda _: request(url + "/dumps/seckg.ttl"), range(6)))
        assert {status for status, _, _ in answers} == {200}
        assert len({body for _, _, body in answers}) == 1
        assert len({headers["ETag"] for _, headers, _ in answers}) == 1
        assert sorted(p.name for p in (store / "dumps").glob("seckg.*")) == ["seckg.ttl", "seckg.ttl.gz"]
        first = answers[0][2]
    with serving(repo, "--workers", "2", "--store", str(store)) as url:
        status, _, body = request(url + "/dumps/seckg.ttl")
        assert (status, body) == (200, first)
