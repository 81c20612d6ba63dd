"""Bug: a query nested or chained a few thousand deep ({{{…}}}, ((…)), !!!…, a long UNION chain)
overflowed Oxigraph's stack and killed the query process; the client got a 500 ("the query process
died"). A query process that dies that way now answers 400 saying the query is too deep, and is replaced."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from seckg.executor import Job, QueryRunner
from seckg.store import EmbeddedStore

DEEP = {
    "nested groups": "SELECT * WHERE " + "{" * 5000 + " ?s ?p ?o " + "}" * 5000,
    "nested expression": "SELECT (" + "(" * 20_000 + "1" + ")" * 20_000 + " AS ?x) WHERE {}",
    "chained negations": "SELECT (" + "!" * 20_000 + "true AS ?x) WHERE {}",
    "UNION chain": "SELECT * WHERE { " + " UNION ".join(["{ ?s ?p ?o }"] * 20_000) + " }",
}


@pytest.fixture(scope="module")
def runner():
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("http://example.org/s"), ox.NamedNode("http://example.org/p"),
                      ox.Literal("o"), ox.NamedNode("http://example.org/g")))
    found = QueryRunner(lambda: EmbeddedStore(store), slots=1)
    yield found
    found.close()


@pytest.mark.parametrize("name", sorted(DEEP))
def test_a_query_too_deep_to_evaluate_is_a_400_and_the_next_query_runs(runner, name):
    answer = runner.run(Job(DEEP[name]), timeout=60)
    assert answer.status == 400, (name, answer)
    assert "too deeply" in answer.message
    after = runner.run(Job("SELECT ?o WHERE { ?s ?p ?o }"), timeout=60)
    assert after.status == 200 and b'"o"' in after.body
