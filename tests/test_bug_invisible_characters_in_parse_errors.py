"""Bug: a parse error quoting a NUL, a BOM or an escape character printed it raw, so the message
read "' ' is not allowed…" (or garbled the terminal). Such characters are now written as U+XXXX."""

from __future__ import annotations

from conftest import PREFIXES
from seckg.config import Config
from seckg.loading import load


def test_a_nul_in_a_file_is_named_not_printed(make_repo):
    root = make_repo()
    (root / "data/organizations/nul.ttl").write_bytes(
        (PREFIXES + "<https://w3id.org/seckg/id/org/X> \x00rdfs:label \"X\" .\n").encode())
    (problem,) = load(Config(root=root)).problems
    assert "U+0000" in problem.message and "\x00" not in str(problem)
    assert (problem.line, problem.column) == (8, 35)
