"""The one process that changes the graph: writes from every web worker, and reloads from the files.

Why one process. gunicorn runs several workers, and a write must be seen by all
of them and must never interleave with another. So there is a single source of
truth, the writer: it owns the read-write database, holds an in-memory mirror
of it with the rdflib union graph that pySHACL validates, and handles one
change at a time. Workers authenticate the client and pass the request to it
over a Unix socket (`multiprocessing.connection`, with a random key); queries
never go through it (see live_store.py for how readers see its snapshots).

It runs as its own interpreter (`python -m seckg.writer`), not as a fork: the
server process must never open RocksDB, and a forked multiprocessing child
would be terminated by any gunicorn worker that exits.

Every change goes the same way, whether a SPARQL Update, a Graph Store
Protocol request or files changed on disk:

1. work out the change on a candidate (transactions.py); refuse bad requests;
2. validate the nodes it touches and what refers to them; a violation → 422,
   and the union graph is put back as it was;
3. append it to the journal and fsync (from here on it survives a crash);
4. apply it to the database, then to the mirror;
5. checkpoint the database into a new snapshot and point current.json at it;
6. answer 2xx.

A crash between 3 and 5 is repaired on start-up by applying the last journal
record again. A full disk is not a crash. The writer holds a reserve of disk
space (a file, live/reserve); a write that fails in steps 3-5 for want of
space (or any other OSError) gives the reserve up and uses the room to roll
back — the database reopened, the change undone, the journal cut back — and is
refused (507), so it is wholly absent. No write goes ahead until the reserve
can be set aside again (507 until then, before anything is touched), so the
next failure can be rolled back too. Before step 1 each client's rate is
checked (write_limits.py), in the connection's own thread, so a client over
its limit is answered at once.

With `--watch` a thread polls ontology/, shapes/ and data/ and reloads what
changed, switching only to a graph that loads and conforms.
"""

from __future__ import annotations

import argparse
import ctypes
import errno
import gc
import hashlib
import logging
import os
import shutil
import signal
import sys
import threading
import time
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from multiprocessing.connection import Client, Listener
from pathlib import Path

import pyoxigraph as ox

from seckg.config import Config
from seckg.journal import quads_from, quads_text
from seckg.live_store import LiveStore
from seckg.loading import LoadedGraph, data_files, graph_iri, load, ontology_files, relative, shape_files
from seckg.reporting import render_human, why_not_servable
from seckg.store import EmbeddedStore
from seckg.transactions import (
    Change,
    Trial,
    WriteRefused,
    apply_change,
    graph_exists,
    graph_store_change,
    parse_payload,
    update_change,
)
from seckg.validation import ShapesError, validate
from seckg.write_limits import DEFAULT_RATE, Rate, RateLimiter

log = logging.getLogger("seckg.writer")


class StartupError(RuntimeError):
    """The writer cannot start: no store yet and the files do not load or conform, or the store is unusable."""


class WriterUnavailable(RuntimeError):
    """The writer process cannot be reached."""


@dataclass(frozen=True)
class WriterOptions:
    watch: bool = False
    interval: float = 1.0  # seconds between two looks at the files
    default_graph: str | None = None  # where triples written to the default graph go; None: refused
    grace: float = 90.0  # seconds a replaced snapshot is kept for queries still reading it
    rate: str = DEFAULT_RATE  # writes per token, and refused attempts per address (write_limits.py)
    reserve_bytes: int = 16 * 1024 * 1024  # disk space held back to roll a failed write back with
    journal_bytes: int = 16 * 1024 * 1024  # a journal this long is rotated into the history after a write


# What a write refused for want of space is told; 507 Insufficient Storage.
_STORAGE_ERRORS = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)


def _storage_refusal(error: str, code: int | None, detail: str) -> WriteRefused:
    """`error` and `code` (errno) describe the OSError; only the text is kept (see `_commit`)."""
    full = code in _STORAGE_ERRORS or "No space left" in error
    reason = "the disk holding the store is full" if full else f"the store could not be written ({error})"
    return WriteRefused(507 if full else 500, f"{reason}; {detail}; nothing was changed")


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def source_files(config: Config) -> list[Path]:
    return [*ontology_files(config), *data_files(config), *shape_files(config)]


def source_hashes(config: Config) -> dict[str, str]:
    return {relative(config, p).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in source_files(config)}


def file_signatures(config: Config) -> dict[str, tuple]:
    """What a cheap look (stat) sees of each source file; a difference means: read them again."""
    signatures = {}
    for path in source_files(config):
        try:
            stat = path.stat()
        except FileNotFoundError:
            continue
        signatures[relative(config, path).as_posix()] = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
    return signatures


class Writer:
    def __init__(self, config: Config, live: LiveStore, options: WriterOptions):
        self.config = config
        self.live = live
        self.options = options
        self.lock = threading.Lock()
        self.primary: ox.Store | None = None
        self.mirror: LoadedGraph | None = None
        self.generation = 0
        self._superseded: dict[int, float] = {}
        rate = Rate.parse(options.rate)
        self.write_limit = RateLimiter(rate)  # by token name
        self.refusal_limit = RateLimiter(rate)  # by remote address, for requests refused for their token
        self._unfinished: _Unfinished | None = None  # a failed commit not yet rolled back
        # The triples per graph and in the union that current.json gives; counted once, then kept
        # in step with each write (a count over the whole graph took ~1 s a write at 1M triples).
        self._counts: tuple[dict[str, int], int] | None = None

    # --- start-up ---------------------------------------------------------------------------

    def start(self) -> None:
        self.live.root.mkdir(parents=True, exist_ok=True)
        dropped = self.live.journal.recover()
        if dropped:
            log.warning("dropped %d bytes of an unfinished (never acknowledged) journal record", dropped)
        current = self.live.read_current()
        self.generation = int(current["generation"]) if current else 0
        files, hashes = load(self.config), source_hashes(self.config)
        ready = self.live.root / "primary.ready"
        if not ready.exists():
            self._first_build(files, hashes)
            ready.write_text(_now() + "\n")
        else:
            self.primary = ox.Store(str(self.live.primary))
            last = self.live.journal.last()
            if last is not None:  # redo: harmless if it was applied in full, completes it if not
                apply_change(self.primary, Change(set(quads_from(last["removed"])), set(quads_from(last["added"]))))
            memory = ox.Store()
            memory.extend(self.primary.quads_for_pattern(None, None, None, None))
            self.mirror = self._loaded_like(files, memory)
            outcome = self._sync(files, hashes, who="files (at start-up)")
            if outcome is not None and not outcome["accepted"] and not self.options.watch:
                raise StartupError(outcome["message"])
        self._publish(self.generation + 1)
        self.live.drop_snapshots({self.generation})
        self._rotate_journal()  # what it held is redone and published: start the next run with none
        try:
            self._keep_reserve()
        except OSError as error:
            log.warning("cannot set aside %d bytes of reserve (%s): writes are refused until there is space",
                        self.options.reserve_bytes, error)

    def _first_build(self, files: LoadedGraph, hashes: dict[str, str]) -> None:
        refusal = why_not_servable(files)
        if refusal is not None:
            raise StartupError(refusal)
        shutil.rmtree(self.live.primary, ignore_errors=True)
        self.primary = ox.Store(str(self.live.primary))
        self.primary.bulk_extend(files.store.quads_for_pattern(None, None, None, None))
        self.primary.flush()
        self.mirror = files
        self.live.write_synced(hashes)
        self._status(accepted=True, files=sorted(hashes), message="built the store from the files")

    def _loaded_like(self, files: LoadedGraph, store: ox.Store) -> LoadedGraph:
        """The files' shapes, locations and prefixes over the triples of `store`."""
        graphs = {}
        for g in store.named_graphs():
            path = files.graphs.get(g.value)
            graphs[g.value] = path if path is not None else Path(g.value[len(self.config.base + "graph/"):] + ".ttl")
        return LoadedGraph(config=self.config, store=store, graphs=graphs, shapes=files.shapes,
                           located=files.subject_locations, prefixes=files.prefixes)

    # --- publishing -------------------------------------------------------------------------

    def _publish(self, generation: int, counts: tuple[dict[str, int], int] | None = None) -> None:
        """`counts`: the mirror's triples per graph and union size, when the caller knows them."""
        target = self.live.snapshot_dir(generation)
        shutil.rmtree(target, ignore_errors=True)
        target.parent.mkdir(parents=True, exist_ok=True)
        self.primary.backup(str(target))
        if counts is None:
            view = EmbeddedStore(self.mirror.store)
            counts = (view.triples_per_graph(), view.union_size())
        self.live.publish(generation, *counts)
        self._counts = counts
        now = time.monotonic()
        if self.generation and self.generation != generation:
            self._superseded[self.generation] = now
        self.generation = generation
        keep = {generation} | {g for g, t in self._superseded.items() if now - t < self.options.grace}
        self._superseded = {g: t for g, t in self._superseded.items() if g in keep}
        self.live.drop_snapshots(keep)

    @property
    def _reserve(self) -> Path:
        return self.live.root / "reserve"

    def _keep_reserve(self) -> None:
        """Hold `reserve_bytes` of the disk in live/reserve; OSError when the disk cannot give them."""
        want = self.options.reserve_bytes
        try:
            if self._reserve.stat().st_size == want:
                return
        except FileNotFoundError:
            pass
        partial = self._reserve.with_name("reserve.partial")
        try:
            with partial.open("wb") as handle:
                try:
                    os.posix_fallocate(handle.fileno(), 0, want)
                except OSError as error:
                    if error.errno not in (errno.EOPNOTSUPP, errno.EINVAL):
                        raise
                    for _ in range(0, want, 1 << 20):  # a file system that cannot allocate: write it
                        handle.write(bytes(min(1 << 20, want - handle.tell())))
                handle.flush()
                os.fsync(handle.fileno())
            partial.replace(self._reserve)
        except OSError:
            partial.unlink(missing_ok=True)
            raise

    def _counts_after(self, change: Change, union_growth: int) -> tuple[dict[str, int], int] | None:
        """The counts once `change` (whose removed quads exist and added ones do not) is applied."""
        if self._counts is None:
            return None
        graphs, union = dict(self._counts[0]), self._counts[1]
        for quads, sign in ((change.removed, -1), (change.added, 1)):
            for q in quads:
                graphs[q.graph_name.value] = graphs.get(q.graph_name.value, 0) + sign
        return {g: n for g, n in sorted(graphs.items()) if n > 0}, union + union_growth

    def _commit(self, change: Change, who: str, what: dict, mirror: LoadedGraph | None = None,
                union_growth: int | None = None) -> int:
        """Make `change` (already validated, already in the mirror's union graph) durable and visible;
        `mirror` is a validated candidate that already holds it, to take the mirror's place.
        `union_growth`: how many triples the change adds to the union (the trial knows), else counted.

        Raises WriteRefused (507) when the disk cannot take it; nothing of it is then left anywhere."""
        self._finish_rollback()
        generation = self.generation + 1
        record = {
            "generation": generation, "time": _now(), "who": who, "what": what,
            "graphs": change.per_graph(), "removed": quads_text(change.removed), "added": quads_text(change.added),
        }
        try:
            self._keep_reserve()
        except OSError as error:
            failure = (str(error), error.errno)
        else:
            failure = None
        if failure is not None:
            raise _storage_refusal(*failure, f"the server keeps {self.options.reserve_bytes} bytes in reserve "
                                             "to undo a failed write, and cannot set them aside now")
        journal = self.live.journal
        unfinished = _Unfinished(change, journal.size(), generation, self.live.read_current())
        try:
            journal.append(record)
        except OSError as error:
            failure = (str(error), error.errno)
        else:
            failure = None
        if failure is not None:
            log.error("could not extend the write log (%s); taking the record back out", failure[0])
            self._roll_back(unfinished, touched_database=False)
            raise _storage_refusal(*failure, "the write log could not be extended")
        previous_mirror, previous_counts = self.mirror, self._counts
        counts = self._counts_after(change, union_growth) if mirror is None and union_growth is not None else None
        try:
            apply_change(self.primary, change)
            if mirror is not None:
                self.mirror = mirror
            else:
                apply_change(self.mirror.store, change)  # done by the trial already: a no-op
            self._publish(generation, counts)
        except OSError as error:
            # Only the message is kept: the traceback would keep the database open, and it must be
            # closed before it can be opened again.
            failure = (str(error), error.errno)
        except Exception:
            # Not the disk: the journal has the change and the database may have part of it, and only
            # the start-up redo can put them back in step, so stop rather than serve an inconsistent state.
            log.exception("could not apply a journaled change; stopping so start-up can redo it")
            os._exit(70)
        if failure is None:
            if journal.size() >= self.options.journal_bytes:
                self._rotate_journal()
            return generation
        self.mirror, self._counts = previous_mirror, previous_counts
        log.error("could not apply a journaled change (%s); rolling it back", failure[0])
        self._roll_back(unfinished, touched_database=True)
        raise _storage_refusal(*failure, "the change could not be applied to the database")

    def _rotate_journal(self) -> None:
        """Move the journal's records, all applied, into the history once the database has them on
        disk. Best effort: the write is already done, and a journal left longer only costs room."""
        if self.live.journal.size() == 0:
            return
        try:
            self.primary.flush()
            segment = self.live.journal.rotate(self.live.history)
        except OSError as error:
            log.warning("could not move the journal into the history (%s); it is tried again later", error)
            return
        if segment is not None:
            log.info("journal moved into the history as %s", segment.name)

    def _roll_back(self, unfinished: _Unfinished, touched_database: bool) -> None:
        """Take a failed commit back out: database first, then the journal, so a crash in between
        still finds the record and redoes it whole. If the disk will not allow it yet, remember it:
        no write goes ahead until it is done (`_finish_rollback`)."""
        self._unfinished = unfinished if touched_database else replace(unfinished, change=None)
        try:
            self._finish_rollback()
        except WriteRefused as refusal:
            log.error("%s", refusal)

    def _finish_rollback(self) -> None:
        unfinished = self._unfinished
        if unfinished is None:
            return
        self._reserve.unlink(missing_ok=True)  # the room to undo it in
        try:
            if unfinished.change is not None:
                # RocksDB refuses every write after it met a full disk, until it is opened again.
                self.primary = None
                gc.collect()  # nothing may still hold the database open
                self.primary = ox.Store(str(self.live.primary))
                apply_change(self.primary, unfinished.change.inverse())
            self.live.journal.truncate(unfinished.journal_size)
            shutil.rmtree(self.live.snapshot_dir(unfinished.generation), ignore_errors=True)
            current = self.live.read_current()
            if current is not None and unfinished.current is not None \
                    and current["generation"] != unfinished.current["generation"]:
                self.live.write_current(unfinished.current)
        except OSError as error:
            failure = (str(error), error.errno)
        else:
            failure = None
        if failure is not None:
            raise _storage_refusal(*failure, "a write that failed earlier is still being taken back, and no "
                                             "other write is accepted until it is")
        self._unfinished = None
        log.info("rolled back the write of generation %d: the store is as before it", unfinished.generation)

    # --- writes -----------------------------------------------------------------------------

    def handle(self, request: dict) -> dict:
        op = request.get("op")
        if op == "status":
            return {"status": 200, "generation": self.generation}
        who = request.get("who", "?")
        created = False
        asked = time.perf_counter()
        try:
            if op == "update":
                change = update_change(self.config, self.mirror.store, request["update"],
                                       request.get("using", []), request.get("using_named", []),
                                       self.options.default_graph)
                what = {"kind": "update", "update": request["update"]}
                for key in ("using", "using_named"):
                    if request.get(key):
                        what[key] = request[key]
            elif op == "graph":
                method = request["method"]
                graph = request.get("graph") or self.options.default_graph
                if graph is None:
                    raise WriteRefused(400, "this server has no default graph for writes (start it with "
                                            "--default-graph data/<path>.ttl); name the graph with ?graph=")
                exists = graph_exists(self.mirror.store, graph)
                if method == "DELETE" and not exists:
                    raise WriteRefused(404, f"there is no graph <{graph}>")
                payload = parse_payload(request["body"], request.get("media_type", ""), graph) \
                    if method in ("PUT", "POST") else []
                change = graph_store_change(self.config, self.mirror.store, method, graph, payload)
                created = method in ("PUT", "POST") and not exists and bool(change.added)
                what = {"kind": "graph-store", "method": method, "graph": graph,
                        "default": request.get("graph") is None, "bytes": len(request.get("body") or b"")}
            else:
                return {"status": 400, "message": f"unknown writer operation {op!r}"}
        except WriteRefused as error:
            return {"status": error.status, "message": str(error)}
        if not change:
            return {"status": 200, "generation": self.generation, "graphs": {}, "message": "nothing changed"}
        started = time.perf_counter()
        trial = Trial(self.mirror, change)
        if not trial.conforms:
            trial.undo()
            violations = trial.report.violations
            return {"status": 422, "generation": self.generation,
                    "message": f"refused: the change would leave {len(violations)} violation(s); nothing was changed",
                    "findings": [f.as_dict() for f in trial.report.findings],
                    "report_turtle": trial.report.graph.serialize(format="turtle")}
        validated = time.perf_counter()
        try:
            generation = self._commit(change, who, what, union_growth=trial.union_growth)
        except WriteRefused as error:
            trial.undo()
            return {"status": error.status, "message": str(error)}
        except BaseException:
            trial.undo()
            raise
        log.info("generation %d: %s by %s (%s)", generation, what["kind"], who,
                 ", ".join(f"{g}: -{c['removed']} +{c['added']}" for g, c in change.per_graph().items()))
        return {"status": 201 if created else 200, "generation": generation, "graphs": change.per_graph(),
                "warnings": [f.as_dict() for f in trial.report.findings if f.severity != "Violation"],
                "timings": {"change_s": round(started - asked, 4), "validation_s": round(validated - started, 4),
                            "commit_s": round(time.perf_counter() - validated, 4)}}

    # --- reloads from the files -------------------------------------------------------------

    def _sync(self, files: LoadedGraph, hashes: dict[str, str], who: str) -> dict | None:
        """Switch to the files that changed since they were last loaded, if the result conforms.

        None when no file changed; otherwise the outcome also written to status.json.
        """
        synced = self.live.read_synced()
        changed = sorted(rel for rel in hashes.keys() | synced.keys() if hashes.get(rel) != synced.get(rel))
        if not changed:
            return None
        if files.problems:
            return self._status(accepted=False, files=changed, problems=[str(p) for p in files.problems],
                                message=f"{len(files.problems)} file(s) could not be read; still serving "
                                        f"generation {self.generation}")
        graphs = {graph_iri(self.config, self.config.root / rel) for rel in changed
                  if not rel.startswith(relative(self.config, self.config.shapes_dir).as_posix() + "/")}
        candidate = ox.Store()
        candidate.extend(q for q in self.mirror.store.quads_for_pattern(None, None, None, None)
                         if q.graph_name.value not in graphs)
        candidate.extend(q for q in files.store.quads_for_pattern(None, None, None, None)
                         if q.graph_name.value in graphs)
        loaded = self._loaded_like(files, candidate)
        try:
            report = validate(loaded)
        except ShapesError as error:
            return self._status(accepted=False, files=changed, problems=[str(error)],
                                message=f"the shapes cannot be used; still serving generation {self.generation}")
        if not report.conforms:
            return self._status(accepted=False, files=changed, findings=[f.as_dict() for f in report.violations],
                                message=f"{len(report.violations)} violation(s); still serving generation "
                                        f"{self.generation}\n" + render_human(report))
        before = set(self.mirror.store.quads_for_pattern(None, None, None, None))
        after = set(candidate.quads_for_pattern(None, None, None, None))
        change = Change(removed=before - after, added=after - before)
        try:
            self._commit(change, who, {"kind": "files", "files": changed}, mirror=loaded)
        except WriteRefused as refusal:
            return self._status(accepted=False, files=changed, problems=[str(refusal)],
                                message=f"{refusal}; still serving generation {self.generation}")
        self.live.write_synced(hashes)
        return self._status(accepted=True, files=changed, message=f"switched to generation {self.generation}")

    def _status(self, accepted: bool, files: list[str], message: str, problems: list[str] = (),
                findings: list[dict] = ()) -> dict:
        outcome = {"time": _now(), "accepted": accepted, "files": files, "message": message,
                   "problems": list(problems), "findings": list(findings)}
        (log.info if accepted else log.error)("reload of %s: %s", ", ".join(files), message)
        status = self.live.read_status()
        status["last_reload"] = outcome
        if accepted:
            status["last_good_reload"] = outcome
        status["watch"] = self.options.watch
        self.live.write_status(status)
        return outcome

    def reload_if_changed(self) -> dict | None:
        with self.lock:
            outcome = self._sync(load(self.config), source_hashes(self.config), who="files (watch)")
            if outcome is None and not self.live.read_status().get("last_reload", {}).get("accepted", True):
                # The rejected edit was undone: the files are again what is being served.
                outcome = self._status(accepted=True, files=[], message=f"the files match generation "
                                                                        f"{self.generation} again")
            return outcome

    def watch(self, stop: threading.Event) -> None:
        """Poll the source files; reload once what changed has stayed the same for one interval
        (an editor may write a file in several steps)."""
        seen = file_signatures(self.config)
        while not stop.wait(self.options.interval):
            now = file_signatures(self.config)
            if now == seen:
                continue
            while not stop.wait(self.options.interval):
                settled = file_signatures(self.config)
                if settled == now:
                    break
                now = settled
            seen = now
            try:
                self.reload_if_changed()
            except Exception:  # a reload must never stop the server
                log.exception("reload failed")

    # --- the request loop -------------------------------------------------------------------

    def serve(self, listener: Listener) -> None:
        """One thread per connection, so a client over its rate is answered at once even while
        another client's write holds the lock."""
        while True:
            try:
                conn = listener.accept()
            except (OSError, EOFError) as error:  # e.g. a client with the wrong key
                log.warning("refused a connection to the writer: %s", error)
                continue
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn) -> None:
        with conn:
            try:
                request = conn.recv()
            except (EOFError, OSError):
                return
            try:
                conn.send(self.respond(request))
            except OSError:
                pass

    def respond(self, request: dict) -> dict:
        """The rate checks, then (one at a time) the write."""
        op = request.get("op")
        if op == "refused":  # a request refused for its token: count it against its address
            wait = self.refusal_limit.admit(f"address:{request.get('address', '?')}")
            return {"status": 429, "retry_after": wait} if wait else {"status": 200}
        if op in ("update", "graph"):
            wait = self.write_limit.admit(f"token:{request.get('who', '?')}")
            if wait:
                return {"status": 429, "retry_after": wait,
                        "message": f"too many writes from {request.get('who', '?')}: this server takes "
                                   f"{self.write_limit.rate} from each token; try again in {wait} s"}
        with self.lock:
            try:
                return self.handle(request)
            except Exception as error:
                log.exception("write failed")
                return {"status": 500, "message": f"the write failed: {error}; nothing was changed"}


@dataclass(frozen=True)
class _Unfinished:
    """A commit that failed: what to undo in the database (None: it was not touched), the journal's
    length before it, its generation (its snapshot may exist) and current.json before it."""

    change: Change | None
    journal_size: int
    generation: int
    current: dict | None


class WriterClient:
    """How a web worker talks to the writer: one connection per request."""

    def __init__(self, address: str, authkey: bytes):
        self.address = address
        self.authkey = authkey

    def call(self, request: dict) -> dict:
        try:
            with Client(self.address, family="AF_UNIX", authkey=self.authkey) as conn:
                conn.send(request)
                return conn.recv()
        except (OSError, EOFError) as error:
            raise WriterUnavailable(f"the writer process is not answering ({error})") from None


def _die_with_parent(parent: int) -> None:
    """Ask Linux to stop this process when the server that started it goes away."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass
    if os.getppid() != parent:
        sys.exit(0)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m seckg.writer", description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", required=True)
    parser.add_argument("--base", required=True)
    parser.add_argument("--store", required=True)
    parser.add_argument("--socket", required=True)
    parser.add_argument("--parent", type=int, required=True)
    parser.add_argument("--watch", action="store_true")
    parser.add_argument("--interval", type=float, default=1.0)
    parser.add_argument("--default-graph")
    parser.add_argument("--grace", type=float, default=90.0)
    parser.add_argument("--write-rate", default=DEFAULT_RATE)
    parser.add_argument("--reserve-bytes", type=int, default=WriterOptions.reserve_bytes)
    parser.add_argument("--journal-bytes", type=int, default=WriterOptions.journal_bytes)
    args = parser.parse_args(argv)
    _die_with_parent(args.parent)
    logging.basicConfig(level=logging.INFO, format="[seckg writer] %(levelname)s %(message)s", stream=sys.stderr)
    logging.getLogger("rdflib.term").setLevel(logging.ERROR)
    authkey = bytes.fromhex(sys.stdin.readline().strip())
    writer = Writer(Config(root=args.root, base=args.base), LiveStore(Path(args.store)),
                    WriterOptions(watch=args.watch, interval=args.interval, default_graph=args.default_graph,
                                  grace=args.grace, rate=args.write_rate, reserve_bytes=args.reserve_bytes,
                                  journal_bytes=args.journal_bytes))
    try:
        writer.start()
    except StartupError as error:
        print(f"failed\n{error}", flush=True)
        sys.exit(1)
    listener = Listener(args.socket, family="AF_UNIX", authkey=authkey)
    if writer.options.watch:
        threading.Thread(target=writer.watch, args=(threading.Event(),), daemon=True).start()
    print(f"ready {writer.generation}", flush=True)
    writer.serve(listener)


class RunningWriter:
    """The writer process started by `seckg serve`, and how to reach and stop it."""

    def __init__(self, config: Config, store_dir: Path, options: WriterOptions):
        import secrets
        import subprocess
        import tempfile

        self._socket_dir = tempfile.mkdtemp(prefix="seckg-writer-")  # mode 0700: only this user connects
        address = os.path.join(self._socket_dir, "socket")
        key = secrets.token_bytes(32)
        command = [sys.executable, "-m", "seckg.writer", "--root", str(config.root), "--base", config.base,
                   "--store", str(store_dir), "--socket", address, "--parent", str(os.getpid()),
                   "--interval", str(options.interval), "--grace", str(options.grace),
                   "--write-rate", options.rate, "--reserve-bytes", str(options.reserve_bytes),
                   "--journal-bytes", str(options.journal_bytes)]
        if options.watch:
            command.append("--watch")
        if options.default_graph:
            command += ["--default-graph", options.default_graph]
        self.owner = os.getpid()
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.process.stdin.write(key.hex() + "\n")
        self.process.stdin.close()
        first = self.process.stdout.readline()
        if not first.startswith("ready"):
            rest = self.process.stdout.read()
            self.process.wait()
            self.stop()
            raise StartupError(rest.strip() or f"the writer exited with status {self.process.returncode}")
        self.process.stdout.close()
        self.generation = int(first.split()[1])
        self.client = WriterClient(address, key)

    def stop(self) -> None:
        if os.getpid() != self.owner:  # a forked web worker exiting must not stop it
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except Exception:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self._socket_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
