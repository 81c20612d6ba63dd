"""Times full and incremental validation on a copy of the repository, and checks they agree.

    .venv/bin/python bench/validation.py

For every data file: remove it, then put it back, each time updating an IncrementalValidator
and running a full validation of the same state; prints both times, the number of focus nodes
re-validated, and whether the two reports agree. Then a one-date edit, the common case.
Timings belong here, not in the test suite, where a loaded machine would make them flaky.
"""

from __future__ import annotations

import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from test_validation_incremental import comparable  # noqa: E402

from seckg.config import Config  # noqa: E402
from seckg.loading import load  # noqa: E402
from seckg.validation import IncrementalValidator, validate  # noqa: E402


def timed(function, *args):
    start = time.perf_counter()
    result = function(*args)
    return result, time.perf_counter() - start


def main() -> int:
    root = Path(tempfile.mkdtemp(prefix="seckg-bench-"))
    for folder in ("ontology", "shapes", "data"):
        shutil.copytree(REPO / folder, root / folder)
    config = Config(root=root)
    loaded, load_time = timed(load, config)
    print(f"{len(loaded.union_graph)} triples, {len(set(loaded.union_graph.subjects()))} subjects; load {load_time:.2f} s")
    incremental, first = timed(IncrementalValidator, loaded)
    print(f"full validation {first:.2f} s (first run, prepares the queries)")
    disagreements = 0

    def check(label: str, path: Path) -> None:
        nonlocal disagreements
        report, inc_time = timed(incremental.update, path)
        full, full_time = timed(lambda: validate(load(config)))
        same = comparable(report) == comparable(full)
        disagreements += not same
        print(f"{label:<55} incremental {inc_time:5.2f} s ({len(incremental.last_focus or []):4} nodes)"
              f"  full {full_time:5.2f} s  {'agree' if same else 'DISAGREE'}")

    for path in sorted((root / "data").glob("**/*.ttl")):
        text = path.read_text(encoding="utf-8")
        name = path.relative_to(root / "data").as_posix()
        path.unlink()
        check(f"remove {name}", path)
        path.write_text(text, encoding="utf-8")
        check(f"restore {name}", path)
    path = root / "data" / "memberships" / "seed-memberships.ttl"
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r'time:inXSDDate "20', 'time:inXSDDate "19', text, count=1), encoding="utf-8")
    check("one date typo in memberships/seed-memberships.ttl", path)
    path.write_text(text, encoding="utf-8")
    check("typo corrected", path)
    shutil.rmtree(root)
    return 1 if disagreements else 0


if __name__ == "__main__":
    sys.exit(main())
