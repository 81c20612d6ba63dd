"""Time each request of the benchmark's named-query workload in-process, on on-disk stores.

Why: the mix's p50 at 10M against 1M mixes queries whose answers grow with the graph with ones
whose answers do not; this times each (query, parameter set) alone, single-threaded, so a query
whose time grows while its answer does not shows itself. With two sizes, each request is timed
on both in turn, repetition by repetition, so both see the same load on a shared machine.

    python bench/query_profile.py --at 1M ROOT_1M STORE_1M --at 10M ROOT_10M STORE_10M --json out.json

A store is built (pyoxigraph bulk load of ROOT's files, one named graph per file) when its
directory does not exist, and reused after; `--triples N` generates ROOT first (one size only).
Output: per request and size, the rows and the median and minimum ms of --repeat runs.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import pyoxigraph as ox

import synthetic
import workloads
from run import source_files


class _OnDisk:
    """What workloads.named_queries needs of a reference: a store to draw parameters from."""

    def __init__(self, store: ox.Store):
        self.store = store


def open_store(root: Path, store_dir: Path) -> ox.Store:
    if store_dir.exists():
        return ox.Store.read_only(str(store_dir))
    started = time.perf_counter()
    store = ox.Store(str(store_dir))
    for path, graph in source_files(root):
        store.bulk_load(path=str(path), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(graph))
    store.optimize()
    print(f"built {store_dir}: {len(store)} quads in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return store


def profile(sizes: dict[str, tuple[ox.Store, dict[str, workloads.Query]]], keys: list[str], repeat: int) -> list[dict]:
    out = []
    for key in keys:
        times: dict[str, list[float]] = {label: [] for label in sizes}
        rows: dict[str, int] = {}
        for _ in range(repeat):
            for label, (store, queries) in sizes.items():
                started = time.perf_counter()
                rows[label] = sum(1 for _ in store.query(queries[key].sparql, use_default_graph_as_union=True))
                times[label].append((time.perf_counter() - started) * 1000)
        entry = {"key": key}
        for label in sizes:
            entry[label] = {"rows": rows[label], "median_ms": round(statistics.median(times[label]), 2),
                            "min_ms": round(min(times[label]), 2)}
        out.append(entry)
        print(f"{key:28} " + "  ".join(f"{label}: {rows[label]:6} rows {entry[label]['median_ms']:9.1f} ms "
                                        f"(min {entry[label]['min_ms']:.1f})" for label in sizes), flush=True)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--at", nargs=3, action="append", metavar=("LABEL", "ROOT", "STORE"), required=True,
                        help="a size: its label, synthetic root and store directory")
    parser.add_argument("--triples", type=int, help="generate the (single) --at root of this size first")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--queries", type=Path, default=synthetic.REPO / "queries", help="the named queries timed")
    parser.add_argument("--only", nargs="*", help="request keys (or query names) to time")
    parser.add_argument("--skip-crowded", action="store_true", help="leave out variant #0 (the crowded nodes)")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    if args.triples:
        synthetic.write_root(Path(args.at[0][1]), args.triples, args.seed)
    sizes = {}
    for label, root, store_dir in args.at:
        store = open_store(Path(root), Path(store_dir))
        sizes[label] = (store, {q.key: q for q in workloads.named_queries(_OnDisk(store), args.queries)})
    keys = list(next(iter(sizes.values()))[1])
    if args.only:
        keys = [k for k in keys if k in args.only or k.split("#")[0] in args.only]
    if args.skip_crowded:
        keys = [k for k in keys if workloads.fixed_size(k)]
    results = profile(sizes, keys, args.repeat)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
