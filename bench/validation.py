"""Times full and incremental validation at a few sizes of the graph, and checks they agree.

    make bench-validation            # 1-3 copies of the repository, then synthetic 10k, 100k and 1M
    .venv/bin/python bench/validation.py --sizes 1 2 --synthetic 10k 100k --pyshacl-max 10000

A size of N is the repository's ontology and shapes with N copies of its data: copy 0 is the data
itself, copy k renames every IRI under the project's id/ and graph/ spaces to a base of its own
and tags every label with "[k]", so the copies describe disjoint resources that validate as the
original does (no shape compares resources of two copies). At each size it prints the time of a
full validation (CPU seconds of this process, which a busy machine disturbs less than wall time;
wall time beside it) and of the common small change, one date edited in one file and then
corrected, validated incrementally, with the number of focus nodes re-validated and whether the
incremental report equals a full validation of the same state. Exit 1 on a disagreement.

The synthetic graphs (bench/synthetic.py, the graphs of `make bench`) are timed with each engine
(`--engines`; pyshacl only up to `--pyshacl-max` triples, as it takes minutes at 100k): a full
validation, the revalidation after one file is edited (one state's label, as `make bench` does),
and three writes through the writer's path (transactions.Trial): one that changes one state's label,
one that corrects a membership's start date, and one that corrects the start date of a membership
of the crowded state XAB (a member of every organization), the validation a SPARQL Update or Graph
Store request waits for.
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

import pyoxigraph as ox  # noqa: E402

import synthetic  # noqa: E402
from seckg.config import DEFAULT_BASE, Config  # noqa: E402
from seckg.loading import load  # noqa: E402
from seckg.transactions import Change, Trial  # noqa: E402
from seckg.validation import ENGINES, IncrementalValidator, validate  # noqa: E402

SYNTHETIC = {"10k": 10_000, "100k": 100_000, "1M": 1_000_000}

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


def label_write(loaded, state: str) -> Change:
    """A write that renames one state: its English label out, a new one in."""
    subject, label = ox.NamedNode(synthetic.ID + state), ox.NamedNode(str(RDFS.label))
    old = [q for q in loaded.store.quads_for_pattern(subject, label, None, None) if q.object.language == "en"]
    new = [ox.Quad(subject, label, ox.Literal(f"{q.object.value}, renamed", language="en"), q.graph_name)
           for q in old]
    return Change(removed=set(old), added=set(new))


def date_write(loaded, member: str | None = None) -> Change:
    """A typical correction: the first membership (M1, M2, …; of `member` if given) that begins on
    a day gets another day of the same month."""
    time_ = "http://www.w3.org/2006/time#"
    store = loaded.store

    def objects(subject, predicate: str) -> list:
        return [q for q in store.quads_for_pattern(subject, ox.NamedNode(predicate), None, None)]

    if member is None:
        memberships = (ox.NamedNode(f"{synthetic.ID}membership/M{n}") for n in range(1, 1000))
    else:
        memberships = (q.subject for q in store.quads_for_pattern(
            None, ox.NamedNode("http://www.w3.org/ns/org#member"), ox.NamedNode(synthetic.ID + member), None))
    for membership in memberships:
        for interval in objects(membership, "http://www.w3.org/ns/org#memberDuring"):
            for beginning in objects(interval.object, time_ + "hasBeginning"):
                for quad in objects(beginning.object, time_ + "inXSDDate"):
                    day = "02" if quad.object.value.endswith("-01") else "01"
                    new = ox.Literal(quad.object.value[:8] + day, datatype=quad.object.datatype)
                    return Change(removed={quad}, added={ox.Quad(quad.subject, quad.predicate, new, quad.graph_name)})
    raise ValueError("no synthetic membership begins on a day")


def bench_synthetic(label: str, engines: list[str], pyshacl_max: int) -> bool:
    triples = SYNTHETIC[label]
    root = Path(tempfile.mkdtemp(prefix=f"seckg-bench-shacl-{label}-"))
    agree = True
    try:
        synthetic.write_root(root, triples)
        config = Config(root=root)
        findings = {}
        for engine in engines:
            if engine == "pyshacl" and triples > pyshacl_max:
                print(f"synthetic {label}: pyshacl not timed (over --pyshacl-max {pyshacl_max})")
                continue
            loaded, load_cpu, load_wall = timed(load, config)
            validator, full_cpu, full_wall = timed(IncrementalValidator, loaded, engine)
            findings[engine] = comparable(validator.report)
            path = root / "data" / "synthetic" / "states.ttl"
            original = path.read_text(encoding="utf-8")
            path.write_text(original.replace('"State 3"@en', '"State 3, renamed"@en', 1), encoding="utf-8")
            report, edit_cpu, edit_wall = timed(validator.update, path)
            path.write_text(original, encoding="utf-8")
            validator.update(path)
            trial, write_cpu, write_wall = timed(Trial, loaded, label_write(loaded, "state/" + synthetic.state_code(3)), engine)
            trial.undo()
            dated, date_cpu, date_wall = timed(Trial, loaded, date_write(loaded), engine)
            dated.undo()
            crowded, crowded_cpu, crowded_wall = timed(Trial, loaded, date_write(loaded, synthetic.CROWDED["state"]),
                                                       engine)
            crowded.undo()
            print(f"synthetic {label:>4} {engine:<8} {len(loaded.store):8} quads: full {full_wall:7.2f} s "
                  f"({full_cpu:.2f} s CPU), {len(validator.report.findings)} findings; one file edited "
                  f"{edit_wall * 1000:8.1f} ms ({len(validator.last_focus or [])} focus nodes); "
                  f"a one-label write {write_wall * 1000:7.1f} ms; a membership date write {date_wall * 1000:7.1f} ms "
                  f"({len(dated.focus_nodes)} focus nodes); one of the crowded member {crowded_wall * 1000:7.1f} ms "
                  f"({len(crowded.focus_nodes)} focus nodes); "
                  f"conforms {report.conforms and trial.conforms and dated.conforms and crowded.conforms}",
                  flush=True)
        if len(findings) > 1:
            same = len({tuple(f) for f in findings.values()}) == 1
            agree = agree and same
            print(f"synthetic {label:>4}: the engines {'agree' if same else 'DISAGREE'}")
    finally:
        shutil.rmtree(root)
    return agree


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[1, 2, 3], help="copies of the data (default 1 2 3)")
    parser.add_argument("--synthetic", nargs="*", default=list(SYNTHETIC), choices=list(SYNTHETIC),
                        help="synthetic graphs to time (default 10k 100k 1M)")
    parser.add_argument("--engines", nargs="+", default=list(ENGINES), choices=list(ENGINES))
    parser.add_argument("--pyshacl-max", type=int, default=100_000, help="largest synthetic graph pyshacl validates")
    args = parser.parse_args()
    results = [bench(size) for size in args.sizes]
    results += [bench_synthetic(label, args.engines, args.pyshacl_max) for label in args.synthetic]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
