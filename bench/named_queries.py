"""Time every named query on a large synthetic graph: `make bench-queries` (SCALE=1 is ~1.4M triples).

The graph is bench/synthetic.py's, loaded next to the real data.

Shipped queries must stay fast where the data is crowded, not only on the seed: Oxigraph plans
some shapes of query (FILTER NOT EXISTS, a UNION or OPTIONAL that does not start from the
parameter) over the whole graph. This prints the time of each query with its example parameters
and with parameters that hit the crowded nodes, and exits 1 if any is over the budget.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import pyoxigraph as ox
from synthetic import BASE, CROWDED, ID, area_texts

from seckg.config import Config
from seckg.loading import load
from seckg.named_queries import load_named_queries
from seckg.store import GraphStore

ROOT = Path(__file__).resolve().parents[1]
TRIPLES_PER_SCALE = 1_400_000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=1, help="units of about 1.4 million triples")
    parser.add_argument("--budget", type=float, default=2.0, help="seconds a query may take")
    args = parser.parse_args()

    loaded = load(Config(root=ROOT))
    started = time.perf_counter()
    for area, text in area_texts(args.scale * TRIPLES_PER_SCALE):
        loaded.store.bulk_load(text.encode(), format=ox.RdfFormat.N_TRIPLES,
                               to_graph=ox.NamedNode(f"{BASE}graph/data/synthetic/{area.name}"))
    print(f"{len(loaded.store)} quads, generated and loaded in {time.perf_counter() - started:.1f} s")
    graph = GraphStore.from_loaded(loaded)
    slow = []
    for name, named in sorted(load_named_queries(ROOT / "queries").items()):
        example = {p.name: p.example for p in named.params}
        crowded = {**example, **{k: ID + v for k, v in CROWDED.items() if k in example}}
        for label, params in (("example", example), ("crowded", crowded)):
            started = time.perf_counter()
            rows = len(list(graph.query(named.bind(params))))
            seconds = time.perf_counter() - started
            print(f"{name:24} {label:8} {rows:6} rows {seconds * 1000:9.1f} ms")
            if seconds > args.budget:
                slow.append(f"{name} ({label}): {seconds:.1f} s")
    if slow:
        print(f"slower than {args.budget} s: " + "; ".join(slow), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
