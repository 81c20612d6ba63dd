"""Times validated writes through a live server on a copy of the repository, or on a synthetic graph.

    .venv/bin/python bench/writes.py [--writes 40]
    .venv/bin/python bench/writes.py --synthetic 1000000   # the graph of bench/synthetic.py

Starts `seckg serve --store` with a write token on a copy of ontology/, shapes/ and data/, then
sends, one after another: corrections of a membership's start date (DELETE/INSERT … WHERE on the
union; the membership, its interval and instants and the memberships of the same state are
re-validated), a rejected write (the date moved after the membership's end: 422), and Graph Store
PUTs of a small file. Prints the latency clients see (median, 90th and 99th percentile) and the
writer's own split into working out the change (transactions.update_change), validation and
commit (journal fsync, database, snapshot).
Timings belong here, not in the test suite.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO / "bench"))

import synthetic  # noqa: E402
from live_server import request, serving  # noqa: E402

TOKEN = "bench-0123456789-abcdef"
BASE = "https://w3id.org/seckg/"
CORRECTION = """PREFIX org: <http://www.w3.org/ns/org#> PREFIX time: <http://www.w3.org/2006/time#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
DELETE {{ ?i time:inXSDDate ?d }} INSERT {{ ?i time:inXSDDate "{date}"^^xsd:date }}
WHERE {{ <{membership}> org:memberDuring/time:hasBeginning ?i . ?i time:inXSDDate ?d }}"""
REJECTED = """PREFIX org: <http://www.w3.org/ns/org#> PREFIX time: <http://www.w3.org/2006/time#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
DELETE {{ ?i time:inXSDDate ?d }} INSERT {{ ?i time:inXSDDate "2999-01-01"^^xsd:date }}
WHERE {{ <{membership}> org:memberDuring/time:hasBeginning ?i . ?i time:inXSDDate ?d }}"""


def timed(function) -> tuple[float, tuple]:
    started = time.perf_counter()
    result = function()
    return time.perf_counter() - started, result


def summary(name: str, seconds: list[float]) -> str:
    ordered = sorted(seconds)
    p90 = ordered[max(0, int(len(ordered) * 0.9) - 1)]
    p99 = ordered[max(0, int(len(ordered) * 0.99) - 1)]
    return (f"{name:<34} n={len(seconds):<4} median {statistics.median(seconds) * 1000:7.1f} ms   "
            f"p90 {p90 * 1000:7.1f} ms   p99 {p99 * 1000:7.1f} ms")


FIRST_DATED = """PREFIX org: <http://www.w3.org/ns/org#> PREFIX time: <http://www.w3.org/2006/time#>
SELECT ?m ?d WHERE { ?m org:memberDuring/time:hasBeginning/time:inXSDDate ?d } LIMIT 1"""


def synthetic_membership(base: str) -> tuple[str, str]:
    """A membership of the synthetic graph the server holds that begins on a day, and the month
    (YYYY-MM) it begins in."""
    status, _, body = request(base + "/sparql?" + urllib.parse.urlencode({"query": FIRST_DATED}), None,
                              {"Accept": "application/sparql-results+json"})
    assert status == 200, body
    row = json.loads(body)["results"]["bindings"][0]
    return row["m"]["value"], row["d"]["value"][:7]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--writes", type=int, default=40)
    parser.add_argument("--synthetic", type=int, metavar="TRIPLES",
                        help="serve a synthetic graph of about this many triples instead of the repository")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="seckg-bench-writes-") as tmp:
        root = Path(tmp) / "repo"
        if args.synthetic:
            synthetic.write_root(root, args.synthetic)
        else:
            for folder in ("ontology", "shapes", "data", "queries"):
                shutil.copytree(REPO / folder, root / folder)
        (root / "pyproject.toml").write_text("")
        (Path(tmp) / "tokens").write_text(f"bench:{TOKEN}\n")
        headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/sparql-update"}
        started = time.perf_counter()
        with serving(root, "--store", f"{tmp}/store", "--write-tokens", f"{tmp}/tokens", startup=1800) as base:
            ready = time.perf_counter() - started  # the writer's first build (load, full validation) included
            membership, month, state = f"{BASE}id/membership/CSTO-ARM", "2003-09", f"{BASE}id/state/ARM"
            if args.synthetic:
                membership, month = synthetic_membership(base)
                state = f"{BASE}id/state/{synthetic.state_code(3)}"
            accepted, rejected, puts, change, validation, commit = [], [], [], [], [], []
            for n in range(args.writes):
                text = CORRECTION.format(date=f"{month}-{(n % 28) + 1:02d}", membership=membership)
                seconds, (status, _, body) = timed(lambda: request(base + "/update", text.encode(), headers))
                assert status == 200, body
                accepted.append(seconds)
                timings = json.loads(body).get("timings", {})
                change.append(timings.get("change_s", 0.0))
                validation.append(timings.get("validation_s", 0.0))
                commit.append(timings.get("commit_s", 0.0))
            for _ in range(max(5, args.writes // 4)):
                rejected_text = REJECTED.format(membership=membership if args.synthetic else f"{BASE}id/membership/CST-UZB")
                seconds, (status, _, body) = timed(lambda: request(base + "/update", rejected_text.encode(), headers))
                assert status == 422, body
                rejected.append(seconds)
            graph = f"{base}/data?graph={BASE}graph/data/curated/bench"
            turtle = (f'<{state}> <http://www.w3.org/2000/01/rdf-schema#comment> "bench {{n}}"@en .')
            for n in range(max(5, args.writes // 4)):
                seconds, (status, _, body) = timed(lambda: request(
                    graph, turtle.format(n=n).encode(), {**headers, "Content-Type": "text/turtle"}, method="PUT"))
                assert status in (200, 201), body
                puts.append(seconds)
        print(f"{'server ready for writes after':<34} {ready:.1f} s")
        print(summary("accepted update (client)", accepted))
        print(summary("  of which the change (writer)", change))
        print(summary("  of which validation (writer)", validation))
        print(summary("  of which commit (writer)", commit))
        print(summary("rejected update, 422 (client)", rejected))
        print(summary("Graph Store PUT (client)", puts))


if __name__ == "__main__":
    main()
