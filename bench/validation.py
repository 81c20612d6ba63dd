"""Times full and incremental validation at a few sizes of the graph, and checks they agree.

    make bench-validation            # sizes 1, 2 and 3 times the repository
    .venv/bin/python bench/validation.py --sizes 1 2

A size of N is the repository's ontology and shapes with N copies of its data: copy 0 is the data
itself, copy k renames every IRI under the project's id/ and graph/ spaces to a base of its own
and tags every label with "[k]", so the copies describe disjoint resources that validate as the
original does (no shape compares resources of two copies). At each size it prints the time of a
full validation (CPU seconds of this process, which a busy machine disturbs less than wall time;
wall time beside it) and of the common small change, one date edited in one file and then
corrected, validated incrementally, with the number of focus nodes re-validated and whether the
incremental report equals a full validation of the same state. Exit 1 on a disagreement.
Timings belong here, not in the test suite, where a loaded machine would make them flaky.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDFS

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from test_validation_incremental import comparable  # noqa: E402

from seckg.config import DEFAULT_BASE, Config  # noqa: E402
from seckg.loading import load  # noqa: E402
from seckg.validation import IncrementalValidator, validate  # noqa: E402

EDITED = Path("memberships") / "seed-memberships.ttl"


def timed(function, *args):
    wall, cpu = time.perf_counter(), time.process_time()
    result = function(*args)
    return result, time.process_time() - cpu, time.perf_counter() - wall


def write_copy(source: Path, target: Path, k: int) -> None:
    """`source` with its project IRIs moved to copy k's base and its labels tagged [k]."""
    base = f"https://copy{k}.example.org/seckg/"

    def moved(term):
        if isinstance(term, URIRef) and str(term).startswith((DEFAULT_BASE + "id/", DEFAULT_BASE + "graph/")):
            return URIRef(base + str(term)[len(DEFAULT_BASE):])
        return term

    graph = Graph().parse(source, format="turtle")
    copy = Graph()
    for s, p, o in graph:
        if p == RDFS.label and isinstance(o, Literal):
            o = Literal(f"{o} [{k}]", lang=o.language, datatype=o.datatype)
        copy.add((moved(s), p, moved(o)))
    target.parent.mkdir(parents=True, exist_ok=True)
    copy.serialize(target, format="turtle")


def make_repository(root: Path, size: int) -> Config:
    for folder in ("ontology", "shapes", "data"):
        shutil.copytree(REPO / folder, root / folder)
    for k in range(1, size):
        for path in sorted((REPO / "data").glob("**/*.ttl")):
            write_copy(path, root / "data" / "copies" / str(k) / path.relative_to(REPO / "data"), k)
    return Config(root=root)


def bench(size: int) -> bool:
    root = Path(tempfile.mkdtemp(prefix=f"seckg-bench-{size}-"))
    try:
        config = make_repository(root, size)
        loaded, load_cpu, _ = timed(load, config)
        graph = loaded.union_graph
        validator, full_cpu, full_wall = timed(IncrementalValidator, loaded)
        print(f"size {size}: {len(graph):6} triples, {len(set(graph.subjects())):5} subjects; load {load_cpu:.2f} s; "
              f"full validation {full_cpu:6.2f} s CPU ({full_wall:.2f} s wall), "
              f"{len(validator.report.violations)} violations")
        path = root / "data" / EDITED
        text = path.read_text(encoding="utf-8")
        original = comparable(validator.report)
        agree = True
        for label, new_text in (
            ("one date typo", re.sub(r'time:inXSDDate "20', 'time:inXSDDate "19', text, count=1)),
            ("typo corrected", text),
        ):
            path.write_text(new_text, encoding="utf-8")
            report, inc_cpu, inc_wall = timed(validator.update, path)
            # The corrected file is the original state again, whose full report is at hand.
            full = original if new_text == text else comparable(validate(load(config)))
            same = comparable(report) == full
            agree = agree and same
            print(f"        {label:<15} incremental {inc_cpu:5.2f} s CPU ({inc_wall:.2f} s wall), "
                  f"{len(validator.last_focus or []):3} focus nodes, {len(report.violations)} violations, "
                  f"{'agrees with' if same else 'DISAGREES with'} full validation")
        return agree
    finally:
        shutil.rmtree(root)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 2, 3], help="copies of the data (default 1 2 3)")
    args = parser.parse_args()
    results = [bench(size) for size in args.sizes]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
