"""Times working out the change of a SPARQL Update, by querying the store and on a copy of it.

    .venv/bin/python bench/update_change.py --synthetic 1000000 [--repeat 3]

Loads a synthetic graph (bench/synthetic.py) as the writer's mirror, then alternates the two ways
of working out the change of the write bench/writes.py sends (a membership's start date
corrected with DELETE/INSERT … WHERE): `transactions.update_change` (update_delta.py: the WHERE
run as a SELECT on the store) and `transactions.update_change_by_copy` (the update run on a copy
of the whole store, its dumps compared). Prints each time and fails if the two changes differ.
This is the step a SPARQL Update adds to a Graph Store request; validation and commit are
timed by bench/writes.py through a live server.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))

import synthetic  # noqa: E402
from writes import CORRECTION, FIRST_DATED  # noqa: E402

from seckg.config import Config  # noqa: E402
from seckg.loading import load  # noqa: E402
from seckg.transactions import update_change, update_change_by_copy  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--synthetic", type=int, default=1_000_000, metavar="TRIPLES")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="seckg-bench-update-") as tmp:
        root = Path(tmp)
        synthetic.write_root(root, args.synthetic)
        config = Config(root=root)
        started = time.perf_counter()
        store = load(config).store
        print(f"loaded {len(store)} quads in {time.perf_counter() - started:.1f} s", flush=True)
        row = next(iter(store.query(FIRST_DATED, use_default_graph_as_union=True)))
        membership, month = row["m"].value, row["d"].value[:7]
        times: dict[str, list[float]] = {"query the store": [], "run on a copy": []}
        for n in range(args.repeat):
            text = CORRECTION.format(date=f"{month}-{n % 28 + 1:02d}", membership=membership)
            changes = []
            for name, function in (("query the store", update_change), ("run on a copy", update_change_by_copy)):
                started = time.perf_counter()
                changes.append(function(config, store, text))
                times[name].append(time.perf_counter() - started)
                print(f"  {name:<16} {times[name][-1] * 1000:10.1f} ms  {changes[-1].per_graph()}", flush=True)
            if changes[0].removed != changes[1].removed or changes[0].added != changes[1].added:
                print("the two ways DISAGREE")
                return 1
        for name, seconds in times.items():
            print(f"{name:<16} median {statistics.median(seconds) * 1000:10.1f} ms over {len(seconds)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
