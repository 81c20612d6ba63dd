"""A corpus of malformed Turtle (tests/fixtures/bad_turtle/): each file is reported as file:line:column
with a message a person can act on, the other files still load, and nothing prints a traceback.

The expected places were read off each file by hand: they point at the offending character
(or, where the text simply ends, at what was left open).
"""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from conftest import FIXTURES, PREFIXES
from live_server import free_port
from seckg.cli import main
from seckg.config import Config
from seckg.loading import load

CORPUS = FIXTURES / "bad_turtle"
EXPECTED = {  # file: (line, column, words the message must contain)
    "bad-escape.ttl": (4, 22, "escape"),
    "bad-unicode-escape.ttl": (4, 27, "hexadecimal"),
    "bom-then-garbage.ttl": (4, 27, "not a valid subject"),
    "control-character-literal.ttl": (5, 25, "U+0007"),
    "invalid-utf8.ttl": (4, 24, "UTF-8"),
    "latin1-encoded.ttl": (4, 41, "UTF-8"),
    "missing-dot.ttl": (5, 1, "dot is expected"),
    "nul-byte.ttl": (5, 8, "U+0000"),
    "raw-control-character.ttl": (5, 27, "U+001B"),
    "space-in-iri.ttl": (4, 1, "IRI"),
    "truncated-literal.ttl": (4, 19, "end of file"),
    "truncated-statement.ttl": (5, 18, "end"),
    "unclosed-bracket.ttl": (5, 22, "]"),
    "undefined-prefix.ttl": (5, 5, "skos:"),
    "unterminated-iri.ttl": (4, 1, "end of file"),
    "unterminated-long-string.ttl": (4, 21, "end of file"),
    "utf16-encoded.ttl": (1, 1, "UTF-8"),
}


def test_the_corpus_is_the_one_described():
    assert sorted(p.name for p in CORPUS.glob("*.ttl")) == sorted(EXPECTED)


@pytest.fixture
def broken_repo(make_repo):
    """The tiny repository with every corpus file, a dangling link and a 4 MB line added under data/."""
    root = make_repo()
    for bad in CORPUS.glob("*.ttl"):
        shutil.copy(bad, root / "data" / bad.name)
    (root / "data" / "gone.ttl").symlink_to(root / "nowhere" / "gone.ttl")
    (root / "data" / "huge-line.ttl").write_text(
        PREFIXES + '<https://w3id.org/seckg/id/org/H> rdfs:comment "' + "x" * 4_000_000 + '" , "never closed .\n',
        encoding="utf-8")
    return root


def test_every_bad_file_is_named_with_its_line_and_column(broken_repo):
    loaded = load(Config(root=broken_repo))
    found = {p.file.as_posix(): p for p in loaded.problems}
    expected = {f"data/{name}": place for name, place in EXPECTED.items()}
    expected["data/gone.ttl"] = (1, 1, "No such file")
    expected["data/huge-line.ttl"] = (8, 4_000_053, "end of file")  # the quote that is never closed
    assert set(found) == set(expected)
    for file, (line, column, words) in expected.items():
        problem = found[file]
        assert (problem.line, problem.column) == (line, column), (file, problem)
        assert words in problem.message, (file, problem.message)
        assert problem.message.isprintable(), (file, problem.message)  # no raw NUL, BOM or escape codes
    # The good files still loaded, so one run shows every broken file at once.
    assert "https://w3id.org/seckg/graph/data/organizations/orgs" in loaded.graphs


def test_seckg_validate_lists_every_bad_file_and_exits_2(broken_repo, runner):
    result = runner.invoke(main, ["--root", str(broken_repo), "validate"])
    assert result.exit_code == 2
    for name, (line, column, _) in EXPECTED.items():
        assert f"data/{name}:{line}:{column}: " in result.stderr
    assert "data/gone.ttl:1:1: cannot read the file" in result.stderr
    assert "19 file(s) could not be read" in result.stderr
    assert "Traceback" not in result.output + result.stderr


@pytest.mark.parametrize("case", ["corrupt", "missing"])
def test_seckg_serve_refuses_to_start_on_a_corrupt_or_missing_file(make_repo, case):
    root = make_repo()
    if case == "corrupt":
        shutil.copy(CORPUS / "truncated-literal.ttl", root / "data" / "organizations" / "orgs.ttl")
        where = "data/organizations/orgs.ttl:4:19: Unexpected end of file"
    else:
        target = root / "data" / "memberships" / "memberships.ttl"
        target.unlink()
        target.symlink_to(root / "moved-away.ttl")
        where = "data/memberships/memberships.ttl:1:1: cannot read the file: No such file or directory"
    port = free_port()
    done = subprocess.run(
        [sys.executable, "-m", "seckg", "--root", str(root), "serve", "--host", "127.0.0.1", "--port", str(port)],
        capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 2
    assert where in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
