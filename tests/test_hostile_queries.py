"""Hostile queries on a live server each end in the timeout (503) or a 4xx, never a 5xx of another
kind, and a normal client running beside them keeps getting correct answers.

The server runs with a 4 s timeout. Queries a linear-time engine answers at once (Oxigraph's regular
expressions cannot backtrack) may instead be answered, and then the answer must be right. The normal
client's latencies are printed; the only time bound is a generous one that proves it was not starved:
during every hostile query that ran for more than a second, it completed at least one correct answer.
"""

from __future__ import annotations

import json
import statistics
import threading
import time
import urllib.error
import urllib.parse

import pytest

from crowd import NEAR_MISS, crowd_turtle
from live_server import request, serving, write_repo

TIMEOUT = 4
pytestmark = pytest.mark.slow(25)  # each hostile query runs into the timeout
CART4 = "?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"


# Too deep for the engine's stack: 400 when the query process overflows it, 503 if on a loaded machine the
# timeout comes first (tests/test_bug_deep_query_crash.py checks the 400 with a long timeout).
DEEP = {400, 503}


def count_query(body: str) -> str:
    return f"SELECT (COUNT(*) AS ?n) WHERE {{ {body} }}"


HOSTILE = {  # name: (query, statuses it may end with, the count it must give if answered)
    "cartesian product (count)": (count_query(CART4), {503}, None),
    "cartesian product (rows)": (f"SELECT * WHERE {{ {CART4} }}", {503, 422}, None),
    "closure of every predicate, three times": (
        count_query("?s (!<http://x>)*/(!<http://x>)*/(!<http://x>)* ?o"), {503}, None),
    "nested stars": (count_query(f"?s ((((<{RDFS}seeAlso>)*)*)*)* ?o"), {503}, None),
    "huge VALUES joined with everything": (
        "SELECT (COUNT(*) AS ?n) WHERE { VALUES ?x { " + " ".join(str(i) for i in range(100_000))
        + " } ?s ?p ?o . ?t ?q ?r }", {503}, None),
    "VALUES over the request limit": (
        "SELECT * WHERE { VALUES ?x { " + " ".join(str(i) for i in range(200_000)) + " } }", {413}, None),
    "regex bomb": (count_query(f'?s ?p ?o FILTER(REGEX(STR(?o), "^(a+)+$"))'), {200, 503}, 0),
    "regex bomb with alternation": (count_query('?s ?p ?o FILTER(REGEX(STR(?o), "^(a|aa|aaa)*(a|aa)*$"))'),
                                    {200, 503}, 0),
    "regex too large to compile": (count_query('?s ?p ?o FILTER(REGEX(STR(?o), "a{1000}{1000}{1000}"))'),
                                   {200, 503, 400}, 0),
    "enormous literal": ('SELECT (STRLEN("' + "x" * 900_000 + '") AS ?n) WHERE {}', {200, 503}, 900_000),
    "string growth in a product": (count_query(
        '?a ?b ?c . ?d ?e ?f . ?g ?h ?i BIND(REPLACE(REPLACE(STR(?c), "", "aaaaaaaaaa"), "", "aaaaaaaaaa") AS ?big)'),
        {503}, None),
    "deeply nested groups": ("SELECT * WHERE " + "{" * 5000 + " ?s ?p ?o " + "}" * 5000, DEEP, None),
    "deeply nested expression": ("SELECT (" + "(" * 20_000 + "1" + ")" * 20_000 + " AS ?x) WHERE {}", DEEP, None),
    "long chain of negations": ("SELECT (" + "!" * 20_000 + "true AS ?x) WHERE {}", DEEP, None),
    "long UNION chain": ("SELECT * WHERE { " + " UNION ".join(["{ ?s ?p ?o }"] * 20_000) + " }", DEEP, None),
    "long path sequence": ("SELECT * WHERE { ?s " + "/".join([f"<{RDFS}seeAlso>"] * 20_000) + " ?o }", DEEP, None),
}


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    root = write_repo(tmp_path_factory.mktemp("hostile-queries"), {"data/states/crowd.ttl": crowd_turtle()})
    with serving(root, "--workers", "2", "--timeout", str(TIMEOUT)) as live:
        yield live


NORMAL = "/api/members-on-date?" + urllib.parse.urlencode(
    {"org": "https://w3id.org/seckg/id/org/CSTO", "date": "2007-01-01"})


class NormalClient(threading.Thread):
    """Asks one ordinary question over and over; keeps the time and correctness of every answer."""

    def __init__(self, base: str):
        super().__init__(daemon=True)
        self.base = base
        self.stop = threading.Event()
        self.answers: list[tuple[float, float]] = []  # (finished at, seconds taken)
        self.wrong: list[tuple[int, bytes]] = []

    def run(self) -> None:
        while not self.stop.is_set():
            started = time.monotonic()
            status, _, body = request(self.base + NORMAL)  # 60 s socket timeout: the bounded wait
            finished = time.monotonic()
            labels = [row["memberLabel"]["value"] for row in json.loads(body)["results"]["bindings"]] \
                if status == 200 else None
            if labels == ["Armenia", "Kazakhstan"]:
                self.answers.append((finished, finished - started))
            else:
                self.wrong.append((status, body[:200]))
            time.sleep(0.05)


def test_hostile_queries_end_in_a_timeout_or_4xx_while_a_normal_client_is_served(base):
    normal = NormalClient(base)
    normal.start()
    outcomes = {}
    try:
        time.sleep(1)
        for name, (query, allowed, answer) in HOSTILE.items():
            started = time.monotonic()
            try:
                status, headers, body = request(base + "/sparql", data=query.encode(),
                                                headers={"Content-Type": "application/sparql-query"})
            except urllib.error.URLError as error:
                # An oversized body is refused from its Content-Length, before it is read: the server
                # answers 413 and closes, and urllib, still sending, may see the closed pipe instead.
                if allowed != {413} or not isinstance(error.reason, (BrokenPipeError, ConnectionResetError)):
                    raise
                status, headers, body = 413, {}, b""
            outcomes[name] = (status, started, time.monotonic(), body[:160])
            assert status in allowed, (name, status, body[:300])
            assert b"Traceback" not in body
            if status == 200 and answer is not None:
                assert int(json.loads(body)["results"]["bindings"][0]["n"]["value"]) == answer, name
            if status == 503:
                assert b"timed out" in body, (name, body)
    finally:
        normal.stop.set()
        normal.join(timeout=70)
    assert normal.wrong == []
    for name, (status, started, ended, _) in outcomes.items():
        if ended - started > 1:
            assert any(started <= at <= ended for at, _ in normal.answers), f"normal client starved during {name}"
    latencies = sorted(seconds for _, seconds in normal.answers)
    print(f"\nnormal client beside {len(HOSTILE)} hostile queries: {len(latencies)} correct answers, "
          f"median {statistics.median(latencies) * 1000:.0f} ms, max {latencies[-1] * 1000:.0f} ms")
    for name, (status, started, ended, _) in outcomes.items():
        print(f"  {status}  {ended - started:6.2f} s  {name}")


def test_the_server_still_answers_after_the_crashing_queries(base):
    status, _, body = request(base + NORMAL)
    assert status == 200 and b"Kazakhstan" in body
    status, _, body = request(base + "/sparql?" + urllib.parse.urlencode(
        {"query": "SELECT * WHERE " + "{" * 3000 + " ?s ?p ?o " + "}" * 3000}))
    assert status in (400, 414), body[:200]  # GET: refused by the request-line limit or as too deep
