"""Bug synthetic_iri_patterns: the benchmark's synthetic graphs broke the IRI-pattern shapes.

bench/synthetic.py predates shapes/iris.ttl and kept minting IRIs such as id/event/E0,
id/state/S1 and id/person/P1 (513 violations at 10k triples), so `make bench` could no longer
start a validating server on its own graphs. The generated graph must conform to every shape.
"""

from __future__ import annotations

import sys
from pathlib import Path

from seckg.config import Config
from seckg.loading import load
from seckg.validation import validate

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

import synthetic  # noqa: E402


def test_a_synthetic_graph_conforms_to_every_shape(tmp_path):
    synthetic.write_root(tmp_path, 10_000)
    report = validate(load(Config(root=tmp_path)))
    assert report.violations == [], [(f.focus, f.shape, f.message) for f in report.violations[:5]]


def test_the_crowded_nodes_exist_under_the_names_the_workloads_use(tmp_path):
    synthetic.write_root(tmp_path, 10_000)
    text = "".join(path.read_text(encoding="utf-8") for path in (tmp_path / "data" / "synthetic").glob("*.ttl"))
    for name in synthetic.CROWDED.values():
        assert f"<{synthetic.ID}{name}> " in text, name
