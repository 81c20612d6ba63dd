"""The on-disk store of `seckg serve --store DIR`: built once from the files, then kept in step with them.

    DIR/manifest.json   what the store holds: its database folder, the hash of each source file
                        it was built from, the prefixes each file declares, the triples per graph
                        and in the union (so a server describes the store without opening it)
    DIR/oxigraph-N/     the database (RocksDB), generation N
    DIR/dumps/          dumps written from it (web/dumps.py), removed whenever the store changes

At start-up `plan` compares the files with the manifest (reading only files whose stat
changed, see source_hashes.py). Nothing changed: serve. Some files changed: `update_on_disk`
replaces only their named graphs and validates only the nodes the change can affect (the
machinery of live writes, transactions.Trial); an edited ontology or shapes file changes what
every shape targets, so then the whole graph is validated, still without parsing the files
that did not change. No store, another base IRI, or an unreadable manifest: `build_on_disk`.

An update works on a checkpoint of the database (`Store.backup`: hard links, milliseconds),
and the manifest, replaced atomically, points at the new one only once it is complete and
accepted. A refused or interrupted update therefore leaves the previous store as it was,
which the previous files still match. The server process must never open RocksDB (its forked
workers would crash), so `seckg serve` runs both in a forked child.
"""

from __future__ import annotations

import gc
import json
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from seckg.config import Config
from seckg.journal import write_atomically
from seckg.loading import (LoadedGraph, declared_prefixes, graph_iri, load, load_file, load_shapes, locate_later,
                           relative, remember_prefixes)
from seckg.source_hashes import FileHash, file_hashes, fingerprint, signature, source_paths
from seckg.store import EmbeddedStore
from seckg.transactions import Change, Trial, apply_change
from seckg.validation import ValidationReport, validate

MANIFEST = "manifest.json"
DUMPS = "dumps"
_FORMAT = 1
_DATABASE = "oxigraph-"
_EARLIER_LAYOUT = ("sources.sha256", "stats.json", "oxigraph")  # before manifests; removed by a build

Check = Callable[[LoadedGraph], ValidationReport]


@dataclass(frozen=True)
class Plan:
    """What a start must do to the store: "serve" it, "update" it for `changed`, or "build" it."""

    action: str
    hashes: dict[str, FileHash]
    changed: tuple[str, ...] = ()


@dataclass(frozen=True)
class Update:
    """What `update_on_disk` did."""

    files: tuple[str, ...]
    removed: int
    added: int
    focus: int | None  # nodes validated; None: the whole graph (ontology, shapes or class hierarchy changed)
    seconds: float

    def summary(self, directory: Path | str) -> str:
        validated = "the whole graph validated" if self.focus is None \
            else f"{self.focus} node(s) validated"
        return (f"updated {len(self.files)} file(s) of the store in {directory} ({', '.join(self.files)}): "
                f"-{self.removed} +{self.added} triples, {validated}, {self.seconds:.2f} s")


def read_manifest(directory: Path) -> dict | None:
    """The manifest of a complete store in `directory`, None if there is none."""
    try:
        manifest = json.loads((Path(directory) / MANIFEST).read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(manifest, dict) or manifest.get("format") != _FORMAT \
            or not (Path(directory) / str(manifest.get("database"))).is_dir():
        return None
    return manifest


def stored_fingerprint(directory: Path) -> str | None:
    """The fingerprint of the sources a complete store in `directory` was built from."""
    manifest = read_manifest(directory)
    return manifest["fingerprint"] if manifest else None


def plan(config: Config, directory: Path) -> Plan:
    """Compare the files with the store's manifest (reading only files whose stat changed)."""
    manifest = read_manifest(directory)
    known = {rel: FileHash.from_json(r) for rel, r in manifest["files"].items()} if manifest else {}
    hashes = file_hashes(config, known)
    if manifest is None or manifest.get("base") != config.base:
        return Plan("build", hashes)
    changed = tuple(sorted(rel for rel in hashes.keys() | known.keys()
                           if rel not in hashes or rel not in known or hashes[rel].sha256 is None
                           or hashes[rel].sha256 != known[rel].sha256))
    if not changed and any(hashes[rel].settled and not known[rel].settled for rel in hashes):
        # Files hashed too soon after they were written are read on every start until their
        # signatures are recorded; the graph is the same, so only the manifest's entries change.
        manifest["files"] = {rel: entry.as_json() for rel, entry in sorted(hashes.items())}
        try:
            write_atomically(Path(directory) / MANIFEST, json.dumps(manifest, indent=1) + "\n")
        except OSError:
            pass  # a store that cannot be written to is still served; its files are read again
    return Plan("update" if changed else "serve", hashes, changed)


def _readable(loaded: LoadedGraph) -> bool:
    return loaded.ok


def _acceptable(loaded: LoadedGraph, check: Check) -> bool:
    return loaded.ok and check(loaded).conforms


def _remove_databases(directory: Path, keep: str | None) -> None:
    for entry in directory.iterdir():
        if entry.name.startswith(_DATABASE) and entry.name != keep and entry.is_dir():
            shutil.rmtree(entry, ignore_errors=True)


def _close() -> None:
    gc.collect()  # the last handle on a database gone: closed, so read-only handles may open it


def build_on_disk(config: Config, directory: Path, accept: Callable[[LoadedGraph], bool] = _readable,
                  hashes: dict[str, FileHash] | None = None) -> bool:
    """Load the sources into a new on-disk store in `directory`, replacing what was there, and
    keep it if `accept` takes the loaded graph (default: every file could be read; `seckg serve`
    validates it there too). `hashes`: the files' hashes, if the caller took them.

    The files are read straight into the database with Oxigraph's bulk loader, with no copy in
    memory. The manifest is removed first and written last, so a build that was interrupted
    (or refused) is never taken for a complete one: the next start builds again.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    hashes = file_hashes(config) if hashes is None else hashes
    previous = read_manifest(directory)
    (directory / MANIFEST).unlink(missing_ok=True)
    for name in _EARLIER_LAYOUT:
        target = directory / name
        shutil.rmtree(target, ignore_errors=True) if target.is_dir() else target.unlink(missing_ok=True)
    _remove_databases(directory, keep=None)
    generation = (previous["generation"] if previous else 0) + 1
    database = f"{_DATABASE}{generation}"
    disk = ox.Store(str(directory / database))
    loaded = load(config, store=disk)
    if not accept(loaded):
        return False
    built = EmbeddedStore(disk)
    graphs, union = built.triples_per_graph(), built.union_size()
    prefixes = loaded.file_prefixes
    disk.flush()
    del loaded, built, disk
    _close()
    _commit(config, directory, generation, hashes, prefixes, graphs, union)
    return True


def _commit(config: Config, directory: Path, generation: int, hashes: dict[str, FileHash],
            prefixes: dict[str, dict[str, str]], graphs: dict[str, int], union: int) -> None:
    """Point the manifest at database `generation`, complete and closed; the dumps of the
    previous one go first, and the previous database last."""
    shutil.rmtree(directory / DUMPS, ignore_errors=True)
    paths = source_paths(config)
    # A file that changed while it was loaded may not be what its hash says: unknown, so the
    # next start reads it again.
    files = {rel: (entry if rel in paths and signature(paths[rel]) == entry.seen else FileHash(None, None))
             for rel, entry in hashes.items()}
    database = f"{_DATABASE}{generation}"
    manifest = {"format": _FORMAT, "generation": generation, "database": database, "base": config.base,
                "fingerprint": fingerprint(config.base, files),
                "files": {rel: entry.as_json() for rel, entry in sorted(files.items())},
                "prefixes": {rel: prefixes[rel] for rel in sorted(prefixes) if rel in files},
                "graphs": graphs, "union": union}
    write_atomically(directory / MANIFEST, json.dumps(manifest, indent=1) + "\n")
    _remove_databases(directory, keep=database)


def _graph_lines(store: ox.Store, graph: ox.NamedNode) -> set[bytes]:
    return set(store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=graph).splitlines())


def _quads(lines: set[bytes], graph: ox.NamedNode) -> set[ox.Quad]:
    """N-Triples lines back to quads of `graph`, blank node names kept."""
    if not lines:
        return set()
    triples = ox.parse(b"\n".join(lines) + b"\n", format=ox.RdfFormat.N_TRIPLES)
    return {ox.Quad(t.subject, t.predicate, t.object, graph) for t in triples}


def _difference(old: ox.Store, new: ox.Store, graphs: list[str]) -> Change:
    """The change from `graphs` in `old` to the same graphs in `new`, found by comparing N-Triples
    lines (both name blank nodes the same stable way, see loading._stable_blank_nodes)."""
    change = Change()
    for graph in graphs:
        name = ox.NamedNode(graph)
        before, after = _graph_lines(old, name), _graph_lines(new, name)
        change.removed |= _quads(before - after, name)
        change.added |= _quads(after - before, name)
    return change


def _counts_after(graphs: dict[str, int], change: Change) -> dict[str, int]:
    counts = dict(graphs)
    for graph, moved in change.per_graph().items():
        counts[graph] = counts.get(graph, 0) - moved["removed"] + moved["added"]
    return {g: n for g, n in sorted(counts.items()) if n > 0}


def update_on_disk(config: Config, directory: Path, planned: Plan,
                   accept: Callable[[LoadedGraph, Check], bool] = _acceptable) -> Update | None:
    """Bring the store in `directory` in line with the files `planned.changed`, parsing only those.

    `accept(loaded, check)` decides: `loaded` is the graph after the change (its `problems`
    are the changed files that cannot be read), `check(loaded)` applies the change and
    validates what it can affect. Refused (False, or an exception such as SystemExit): the
    store stays as it was and None is returned.
    """
    started = time.perf_counter()
    directory = Path(directory)
    manifest = read_manifest(directory)
    generation = manifest["generation"] + 1
    target = directory / f"{_DATABASE}{generation}"
    _remove_databases(directory, keep=manifest["database"])  # left by an update that was interrupted
    source = ox.Store.read_only(str(directory / manifest["database"]))
    source.backup(str(target))
    del source
    _close()
    shapes = relative(config, config.shapes_dir).as_posix() + "/"
    ontology = relative(config, config.ontology_dir).as_posix() + "/"
    paths = source_paths(config)
    graph_files = [rel for rel in planned.changed if not rel.startswith(shapes)]
    whole = any(rel.startswith((shapes, ontology)) for rel in planned.changed)
    committed = False
    disk = loaded = fresh = None
    try:
        disk = ox.Store(str(target))
        loaded = LoadedGraph(config=config, store=disk)
        fresh = ox.Store()  # the changed files as they are now, read the way a build reads them
        prefixes = {rel: p for rel, p in manifest["prefixes"].items() if rel not in planned.changed}
        for rel in graph_files:
            if rel in paths:
                problem = load_file(config, fresh, paths[rel], graph_iri(config, paths[rel]), bulk=True)
                if problem is not None:
                    loaded.problems.append(problem)
                else:
                    prefixes[rel] = declared_prefixes(paths[rel].read_text(encoding="utf-8-sig"))
        for rel, path in paths.items():
            if not rel.startswith(shapes):
                remember_prefixes(loaded, prefixes.get(rel, {}))
                loaded.graphs[graph_iri(config, path)] = Path(rel)
                locate_later(loaded, path)
        load_shapes(loaded)
        prefixes.update(loaded.file_prefixes)
        change = _difference(disk, fresh, [graph_iri(config, config.root / rel) for rel in graph_files])
        fresh = None
        checked: dict = {}

        def check(loaded: LoadedGraph) -> ValidationReport:
            if "report" not in checked:
                if whole:
                    apply_change(disk, change)
                    checked["report"] = validate(loaded)
                else:
                    trial = Trial(loaded, change)
                    checked.update(report=trial.report, growth=trial.union_growth, focus=trial.focus_nodes)
            return checked["report"]

        if not accept(loaded, check):
            return None
        check(loaded)
        if "growth" in checked:
            graphs, union = _counts_after(manifest["graphs"], change), manifest["union"] + checked["growth"]
        else:
            view = EmbeddedStore(disk)
            graphs, union = view.triples_per_graph(), view.union_size()
        disk.flush()
        disk = loaded = check = None
        _close()
        _commit(config, directory, generation, planned.hashes, prefixes, graphs, union)
        committed = True
        focus = checked.get("focus")
        return Update(planned.changed, len(change.removed), len(change.added),
                      None if focus is None else len(focus), time.perf_counter() - started)
    finally:
        if not committed:
            disk = loaded = fresh = check = None  # noqa: F841 (closes the database before it goes)
            _close()
            shutil.rmtree(target, ignore_errors=True)


def disk_stats(directory: Path) -> tuple[dict[str, int], int]:
    """Triples per graph and in the union, saved with the store so a server can describe it
    without opening it (a process that opened RocksDB must not fork: its children crash)."""
    manifest = read_manifest(directory)
    if manifest is None:
        raise FileNotFoundError(f"{directory} holds no complete store")
    return manifest["graphs"], manifest["union"]


def open_on_disk(directory: Path) -> EmbeddedStore:
    """A read-only handle on the store in `directory`; each process opens its own."""
    manifest = read_manifest(directory)
    if manifest is None:
        raise FileNotFoundError(f"{directory} holds no complete store")
    return EmbeddedStore(ox.Store.read_only(str(Path(directory) / manifest["database"])))
