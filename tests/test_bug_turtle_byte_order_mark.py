"""Bug: a valid Turtle file saved with a UTF-8 byte order mark (as Windows editors do) was refused
with "﻿ is not a valid subject" — the message showing an invisible character. The mark is skipped now."""

from __future__ import annotations

from conftest import ORGS
from seckg.config import Config
from seckg.loading import load


def test_a_valid_file_with_a_byte_order_mark_loads_with_its_prefixes_and_lines(make_repo):
    root = make_repo()
    (root / "data/organizations/orgs.ttl").write_bytes(b"\xef\xbb\xbf" + ORGS.encode("utf-8"))
    loaded = load(Config(root=root))
    assert loaded.ok, loaded.problems
    assert "https://w3id.org/seckg/graph/data/organizations/orgs" in loaded.graphs
    assert loaded.prefixes["sec"] == "https://w3id.org/seckg/ontology#"  # the first line's prefix was read
    assert loaded.location("https://w3id.org/seckg/id/org/CSTO").line == 9
