"""`seckg serve --store DIR` after some files changed: only those are parsed again, only what they
can affect is validated, and what is served is what a build from scratch would serve."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest
from live_server import free_port, stop_process

from conftest import MEMBERSHIPS, ORGS, PREFIXES
from seckg import disk_store, source_hashes
from seckg.config import Config
from seckg.disk_store import build_on_disk, open_on_disk, plan, read_manifest, update_on_disk

ORGS_FILE = "data/organizations/orgs.ttl"
MEMBERSHIPS_FILE = "data/memberships/memberships.ttl"


def _command(root: Path, store: Path, port: int) -> tuple[list[str], dict]:
    return ([sys.executable, "-m", "seckg", "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
             "--store", str(store)], {**os.environ, "SECKG_ROOT": str(root)})


@contextmanager
def serving(root: Path, store: Path, log: Path):
    """The server on the store while it runs; its stderr goes to `log`."""
    port = free_port()
    command, env = _command(root, store, port)
    with log.open("w") as err:
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=err)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                urllib.request.urlopen(url + "/sparql", timeout=5).close()
                break
            except urllib.error.HTTPError:
                break
            except (urllib.error.URLError, ConnectionError):
                assert process.poll() is None, log.read_text()
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.2)
        yield url
    finally:
        stop_process(process)


def refused(root: Path, store: Path) -> subprocess.CompletedProcess:
    """A start that must stop before it serves (port 1: it never gets as far as binding it)."""
    command, env = _command(root, store, 1)
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)


def dump(url: str) -> set[str]:
    with urllib.request.urlopen(url + "/dumps/seckg.nq", timeout=60) as response:
        return set(response.read().decode().splitlines())


def built_from_scratch(root: Path, tmp_path: Path) -> set[str]:
    """The N-Quads of the files as `seckg export` loads them, from nothing."""
    out = tmp_path / "export"
    done = subprocess.run([sys.executable, "-m", "seckg", "--root", str(root), "export", "--format", "nquads",
                           "--out", str(out)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return set((out / "seckg.nq").read_text().splitlines())


def edit(root: Path, rel: str, old: str, new: str) -> None:
    path = root / rel
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_a_restart_after_an_edit_reads_that_file_only_and_serves_what_a_build_would(make_repo, tmp_path):
    root, store, log = make_repo(), tmp_path / "store", tmp_path / "serve.log"
    with serving(root, store, log) as url:
        before = dump(url)  # a dump is now kept beside the store
    assert "built the store" in log.read_text()
    assert any('"North Atlantic Treaty Organization"@en' in line for line in before)
    edit(root, ORGS_FILE, '"North Atlantic Treaty Organization"@en', '"NATO"@en')
    with serving(root, store, log) as url:
        after = dump(url)
    said = log.read_text()
    assert f"updated 1 file(s) of the store in {store} ({ORGS_FILE}): -1 +1 triples" in said, said
    assert "built the store" not in said
    assert after == built_from_scratch(root, tmp_path)  # the kept dump was not served: it is stale
    assert any('"NATO"@en' in line for line in after) and not any("North Atlantic" in line for line in after)
    with serving(root, store, log) as url:
        assert dump(url) == after
    assert "sources unchanged: serving the store" in log.read_text()


def test_files_added_and_removed(make_repo, tmp_path):
    root, store, log = make_repo(), tmp_path / "store", tmp_path / "serve.log"
    assert build_on_disk(Config(root=root), store)
    added = PREFIXES + '<https://w3id.org/seckg/id/org/SCO> a sec:Alliance ; rdfs:label "SCO"@en .\n'
    (root / "data" / "more.ttl").write_text(added, encoding="utf-8")
    (root / MEMBERSHIPS_FILE).unlink()
    with serving(root, store, log) as url:
        served = dump(url)
    assert f"updated 2 file(s) of the store in {store} (data/memberships/memberships.ttl, data/more.ttl)" \
        in log.read_text(), log.read_text()
    assert served == built_from_scratch(root, tmp_path)
    graphs = read_manifest(store)["graphs"]
    assert "https://w3id.org/seckg/graph/data/more" in graphs
    assert "https://w3id.org/seckg/graph/data/memberships/memberships" not in graphs


def test_an_edit_that_does_not_conform_is_refused_and_the_old_store_kept(make_repo, tmp_path):
    root, store, log = make_repo(), tmp_path / "store", tmp_path / "serve.log"
    with serving(root, store, log) as url:
        before = dump(url)
    manifest = read_manifest(store)
    original = (root / MEMBERSHIPS_FILE).read_text(encoding="utf-8")
    edit(root, MEMBERSHIPS_FILE, "org:member <https://w3id.org/seckg/id/state/KAZ>",
         "org:member <https://w3id.org/seckg/id/org/NATO>")
    done = refused(root, store)
    assert done.returncode == 1, done.stderr
    assert "A membership needs a member that is a sec:State." in done.stderr
    assert "membership/CSTO-KAZ" in done.stderr and "not serving a graph that does not conform" in done.stderr
    assert read_manifest(store) == manifest
    assert sorted(p.name for p in store.iterdir() if p.name.startswith("oxigraph")) == [manifest["database"]]
    (root / MEMBERSHIPS_FILE).write_text(original, encoding="utf-8")
    with serving(root, store, log) as url:
        assert dump(url) == before
    assert "sources unchanged: serving the store" in log.read_text()


def test_an_edit_that_does_not_parse_gives_file_line_and_column(make_repo, tmp_path):
    root, store = make_repo(), tmp_path / "store"
    assert build_on_disk(Config(root=root), store)
    manifest = read_manifest(store)
    edit(root, ORGS_FILE, '"North Atlantic Treaty Organization"@en .', '"North Atlantic Treaty Organization@en .')
    done = refused(root, store)
    assert done.returncode == 2, done.stderr
    line = next(n for n, text in enumerate((root / ORGS_FILE).read_text().splitlines(), 1) if "North" in text)
    assert f"{ORGS_FILE}:{line}:" in done.stderr and "1 file(s) could not be read" in done.stderr
    assert "Traceback" not in done.stderr
    assert read_manifest(store) == manifest


def test_shapes_edited_validate_the_whole_graph(make_repo, tmp_path):
    """An edited shape can make files that did not change invalid: they are validated too."""
    root, store = make_repo(), tmp_path / "store"
    config = Config(root=root)
    assert build_on_disk(config, store)
    edit(root, "shapes/core.ttl", "A membership should start once.", "A membership starts once.")
    done = update_on_disk(config, store, plan(config, store))
    assert done.files == ("shapes/core.ttl",) and done.focus is None
    assert "whole graph validated" in done.summary(store)
    edit(root, "shapes/core.ttl", "sh:maxCount 1 ;\n        sh:severity sh:Warning ;",
         "sh:minCount 2 ;\n        sh:message \"Two starts.\" ;")
    manifest = read_manifest(store)
    done = refused(root, store)
    assert done.returncode == 1 and "Two starts." in done.stderr, done.stderr
    assert read_manifest(store) == manifest


# --- in process: what is read, and what an interrupted update leaves -------------------------


def test_only_the_changed_file_is_parsed(make_repo, tmp_path, monkeypatch):
    root, store = make_repo(), tmp_path / "store"
    config = Config(root=root)
    assert build_on_disk(config, store)
    edit(root, MEMBERSHIPS_FILE, '"Kazakhstan"@en', '"Qazaqstan"@en')
    parsed = []
    real = disk_store.load_file
    monkeypatch.setattr(disk_store, "load_file", lambda config, store, path, *rest, **options: (
        parsed.append(path.relative_to(root).as_posix()), real(config, store, path, *rest, **options))[1])
    monkeypatch.setattr(disk_store, "load", lambda *args, **kw: pytest.fail("everything was loaded"))
    done = update_on_disk(config, store, plan(config, store))
    assert parsed == [MEMBERSHIPS_FILE]
    assert done.files == (MEMBERSHIPS_FILE,) and (done.removed, done.added) == (1, 1) and done.focus
    labels = {str(q.object) for q in open_on_disk(store).quads() if "Qazaqstan" in str(q.object)}
    assert labels == {'"Qazaqstan"@en'}


def test_an_interrupted_update_leaves_the_store_as_it_was(make_repo, tmp_path):
    root, store = make_repo(), tmp_path / "store"
    config = Config(root=root)
    assert build_on_disk(config, store)
    manifest = read_manifest(store)
    (store / "oxigraph-99").mkdir()  # what an update killed midway leaves
    edit(root, ORGS_FILE, '"North Atlantic Treaty Organization"@en', '"NATO"@en')

    def killed(loaded, check):
        check(loaded)  # the change is in the new database when the process goes
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        update_on_disk(config, store, plan(config, store), accept=killed)
    assert read_manifest(store) == manifest
    assert sorted(p.name for p in store.iterdir() if p.name.startswith("oxigraph")) == [manifest["database"]]
    assert any("North Atlantic" in str(q.object) for q in open_on_disk(store).quads())
    assert update_on_disk(config, store, plan(config, store)) is not None
    assert not any("North Atlantic" in str(q.object) for q in open_on_disk(store).quads())


def test_a_file_whose_stat_is_unchanged_is_not_read_again(make_repo, monkeypatch):
    """Only settled files (last changed well before the look) are trusted by their stat; here
    every file counts as settled, to see that an unchanged one is not read and a rewrite of
    the same size is (its ctime moves, which no program can set back)."""
    root = make_repo()
    config = Config(root=root)
    monkeypatch.setattr(source_hashes, "_SETTLED_NS", -10**12)
    monkeypatch.setattr(source_hashes, "_TAKEN", {})
    first = source_hashes.file_hashes(config)
    read = []
    real = source_hashes._digest
    monkeypatch.setattr(source_hashes, "_digest", lambda path: (read.append(path), real(path))[1])
    assert source_hashes.file_hashes(config, first) == first and read == []
    path = root / ORGS_FILE
    text = path.read_text(encoding="utf-8")
    stat = path.stat()
    time.sleep(0.05)  # past the clock tick of the first write, as a settled file is
    path.write_text(text.replace("CSTO", "CSTX"), encoding="utf-8")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # same size, same mtime
    monkeypatch.setattr(source_hashes, "_TAKEN", {})
    again = source_hashes.file_hashes(config, first)
    assert read == [path] and again[ORGS_FILE].sha256 != first[ORGS_FILE].sha256


def test_files_just_written_are_always_read(make_repo):
    root = make_repo({"data/extra.ttl": ORGS.replace("NATO", "NATX"), "data/more.ttl": MEMBERSHIPS})
    hashes = source_hashes.file_hashes(Config(root=root))
    assert not any(entry.settled for entry in hashes.values())
    assert all(entry.as_json()["stat"] is None for entry in hashes.values())


def test_a_restart_on_unchanged_files_reads_none_of_them(make_repo, tmp_path, monkeypatch):
    root, store = make_repo(), tmp_path / "store"
    config = Config(root=root)
    assert build_on_disk(config, store)  # files written just now: their stat is not trusted yet
    assert all(record["stat"] is None for record in read_manifest(store)["files"].values())
    monkeypatch.setattr(source_hashes, "_SETTLED_NS", -10**12)  # as if written long ago
    monkeypatch.setattr(source_hashes, "_TAKEN", {})
    assert plan(config, store).action == "serve"  # reads them once more, and records their stat
    assert all(record["stat"] for record in read_manifest(store)["files"].values())
    monkeypatch.setattr(source_hashes, "_TAKEN", {})
    read = []
    real = source_hashes._digest
    monkeypatch.setattr(source_hashes, "_digest", lambda path: (read.append(path), real(path))[1])
    assert plan(config, store).action == "serve" and read == []


def test_an_edit_among_blank_nodes_gives_the_graph_a_build_gives(make_repo, tmp_path):
    """Blank nodes are named by their order in the file, so an edit before them renames the ones
    after it: those triples are replaced, and the store ends up as a build would leave it."""
    from seckg.loading import load

    nodes = PREFIXES + ('<https://w3id.org/seckg/id/org/B> rdfs:seeAlso [ rdfs:label "one" ] .\n'
                        '<https://w3id.org/seckg/id/org/B> rdfs:seeAlso _:two .\n_:two rdfs:label "two" .\n')
    root, store = make_repo({"data/nodes.ttl": nodes}), tmp_path / "store"
    config = Config(root=root)
    assert build_on_disk(config, store)
    edit(root, "data/nodes.ttl", "<https://w3id.org/seckg/id/org/B> rdfs:seeAlso [",
         '<https://w3id.org/seckg/id/org/B> rdfs:seeAlso [ rdfs:label "zero" ] .\n'
         "<https://w3id.org/seckg/id/org/B> rdfs:seeAlso [")
    assert update_on_disk(config, store, plan(config, store)).files == ("data/nodes.ttl",)
    assert {str(q) for q in open_on_disk(store).quads()} == {str(q) for q in load(config).store}
