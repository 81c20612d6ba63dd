"""Whole-dataset dumps: written once per loaded graph, then served as static files at /dumps/.

Each format is written in full the first time it is asked for, not before the server is
ready (see `DumpFiles`). Writing it to a file before sending it is what lets every response carry a true
Content-Length and a strong ETag (the SHA-256 of the bytes), answer
conditional and range requests, and stream from disk instead of holding a
serialization in memory. TriG and N-Quads keep the named graphs (one per
source file); Turtle, N-Triples, JSON-LD and RDF/XML hold their union, the
default graph every query sees. Each is also gzipped (deterministically, so
equal bytes give equal .gz files). `seckg export` writes the same files with
the same function.

The server writes them in a forked child that opens the store the way the
query children do, because a server process with an on-disk store must never
open RocksDB itself (see executor and store).
"""

from __future__ import annotations

import atexit
import fcntl
import gzip
import hashlib
import json
import multiprocessing
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from email.utils import formatdate
from pathlib import Path

import pyoxigraph as ox
from flask import Blueprint, Response, abort, current_app, render_template, send_file

from seckg.config import Config
from seckg.licence import LICENSE, LICENSE_NAME, RIGHTS, link_header
from seckg.store import GraphStore
from seckg.xml_text import portable_xml

bp = Blueprint("dumps", __name__, template_folder="templates")

STEM = "seckg"


@dataclass(frozen=True)
class DumpFormat:
    name: str  # as given to `seckg export --format`
    ext: str
    media: str
    writer: str  # ox.RdfFormat attribute
    quads: bool  # named graphs kept

    @property
    def filename(self) -> str:
        return f"{STEM}.{self.ext}"


FORMATS = (
    DumpFormat("trig", "trig", "application/trig", "TRIG", True),
    DumpFormat("nquads", "nq", "application/n-quads", "N_QUADS", True),
    DumpFormat("turtle", "ttl", "text/turtle", "TURTLE", False),
    DumpFormat("ntriples", "nt", "application/n-triples", "N_TRIPLES", False),
    DumpFormat("jsonld", "jsonld", "application/ld+json", "JSON_LD", False),
    DumpFormat("rdfxml", "rdf", "application/rdf+xml", "RDF_XML", False),
)
BY_NAME = {f.name: f for f in FORMATS}


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _gzip(path: Path) -> Path:
    """path.gz with no name and a zero time in the header, so the bytes depend on content only."""
    target = path.with_name(path.name + ".gz")
    with path.open("rb") as source, target.open("wb") as raw, \
            gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=6) as packed:
        shutil.copyfileobj(source, packed, 1 << 20)
    return target


def write_dumps(store: GraphStore, directory: Path, base: str,
                formats: Iterable[DumpFormat] = FORMATS) -> dict[str, dict]:
    """Write seckg.<ext> and seckg.<ext>.gz for each format into `directory`.

    Returns {filename: {"media", "size", "sha256"}}; each file is written under
    a temporary name and renamed, so a reader never sees half a dump.
    """
    from seckg.web.resources import iris_of, prefixes_for

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    formats = list(formats)
    # Only Turtle and TriG use prefixes; finding them reads every quad into Python.
    prefixed = any(fmt.writer in ("TURTLE", "TRIG") for fmt in formats)
    prefixes = prefixes_for(iris_of(store.quads()), base) if prefixed else None
    written: dict[str, dict] = {}
    for fmt in formats:
        target = directory / fmt.filename
        partial = target.with_name(target.name + ".partial")
        source = store.quads() if fmt.quads else store.triples()
        ox.serialize(source, str(partial), format=getattr(ox.RdfFormat, fmt.writer),
                     prefixes=prefixes if fmt.writer in ("TURTLE", "TRIG") else None)
        if fmt.writer == "RDF_XML":  # carriage returns as references, or XML parsers read them as line feeds
            partial.write_bytes(portable_xml(partial.read_bytes()))
        partial.replace(target)
        packed = _gzip(target)
        for path, media in ((target, fmt.media), (packed, "application/gzip")):
            written[path.name] = {"media": media, "size": path.stat().st_size, "sha256": _sha256(path)}
    return written


def _build_item(open_store: Callable[[], GraphStore], directory: Path, config: Config, item: str) -> None:
    """Write one format's two files, or the statistics, then its record (last, so a record
    always names files that are whole)."""
    store = open_store()
    if item == STATS:
        from seckg.web.void import dataset_statistics

        value = dataset_statistics(store, config.base)
    else:
        value = write_dumps(store, directory, config.base, [BY_NAME[item]])
    partial = directory / f"{item}.json.partial"
    partial.write_text(json.dumps(value, indent=1))
    partial.replace(directory / f"{item}.json")


def _build_in_child(open_store: Callable[[], GraphStore], directory: Path, config: Config, item: str) -> None:
    """`_build_item` at low priority (serving comes first), then leave at once: a child forked
    from a gunicorn thread that exits the normal way runs its parent's thread-pool exit hooks,
    which fail in the fork and turn success into 1."""
    code = 1
    try:
        os.nice(10)
        _build_item(open_store, directory, config, item)
        code = 0
    finally:
        os._exit(code)


STATS = "stats"
_FINGERPRINT = "fingerprint"


class DumpFiles:
    """The dumps and dataset statistics of one graph, each written the first time it is asked for.

    Nothing is written before the server is ready: at a million triples the twelve files and the
    statistics take longer than loading the graph. The first request for a format (or for the
    statistics) writes it in a forked child that opens the store the way the query children do;
    concurrent requests, in any worker, wait for that one build (a file lock per item) and then
    serve the same bytes. A record `<item>.json` is written after the files it describes, so a
    build that was interrupted is done again.
    """

    def __init__(self, open_store: Callable[[], GraphStore], config: Config, directory: Path, modified: float):
        self.open_store = open_store
        self.config = config
        self.directory = Path(directory).absolute()  # send_file reads a relative path from the app's folder
        self.modified = modified
        self._done: dict[str, dict] = {}
        self._locks = {item: threading.Lock() for item in (STATS, *BY_NAME)}

    def _ensure(self, item: str) -> dict:
        found = self._done.get(item)
        if found is not None:
            return found
        record = self.directory / f"{item}.json"
        with self._locks[item]:
            if not record.is_file():
                with (self.directory / f"{item}.lock").open("w") as lock:
                    fcntl.flock(lock, fcntl.LOCK_EX)  # another worker may be writing it
                    if not record.is_file():
                        child = multiprocessing.get_context("fork").Process(
                            target=_build_in_child, args=(self.open_store, self.directory, self.config, item))
                        child.start()
                        child.join()
                        if child.exitcode != 0 or not record.is_file():
                            raise RuntimeError(f"could not write {item} into {self.directory} "
                                               f"(exit code {child.exitcode})")
            found = self._done[item] = json.loads(record.read_text())
        return found

    def stats(self) -> dict:
        return self._ensure(STATS)

    def entry(self, name: str) -> dict | None:
        """Size, media type and SHA-256 of the dump file `name` (written now if it was not yet),
        None if no dump has that name."""
        fmt = _FILENAMES.get(name.removesuffix(".gz"))
        return None if fmt is None else self._ensure(fmt.name)[name]

    def files(self) -> dict[str, dict]:
        """Every dump file, all written."""
        return {name: entry for fmt in FORMATS for name, entry in self._ensure(fmt.name).items()}


_FILENAMES = {f.filename: f for f in FORMATS}


def build_for_app(open_store: Callable[[], GraphStore], config: Config, keep_in: Path | None = None,
                  modified: float | None = None) -> DumpFiles:
    """The dumps of the app's graph, written when first asked for (see `DumpFiles`).

    The files live in a temporary directory removed when the process that made
    it exits (gunicorn's workers are forks of it and must not remove it). With
    `keep_in` (beside an on-disk store) they are kept there with the sources'
    fingerprint, and a restart on unchanged sources serves the ones written before. `modified`
    (for Last-Modified and VoID) defaults to when the source files last changed.
    """
    from seckg.store import sources_fingerprint, sources_modified

    if keep_in is None:
        directory = tempfile.mkdtemp(prefix="seckg-dumps-")
        owner = os.getpid()
        atexit.register(lambda: os.getpid() == owner and shutil.rmtree(directory, ignore_errors=True))
    else:
        directory = str(keep_in)
        fingerprint = sources_fingerprint(config)
        marker = Path(directory) / _FINGERPRINT
        if not (marker.is_file() and marker.read_text().strip() == fingerprint):
            shutil.rmtree(directory, ignore_errors=True)
            Path(directory).mkdir(parents=True)
            marker.write_text(fingerprint + "\n")
    modified = sources_modified(config) if modified is None else modified
    return DumpFiles(open_store, config, Path(directory), modified)


def _dumps() -> DumpFiles:
    return current_app.extensions["seckg.dumps"]


def dump_listing() -> list[dict]:
    """The dumps in format order, each with its .gz, for the index page and the VoID description."""
    files = _dumps().files()
    listing = []
    for fmt in FORMATS:
        plain, packed = files[fmt.filename], files[fmt.filename + ".gz"]
        listing.append({"format": fmt, "name": fmt.filename, "size": plain["size"],
                        "gz": fmt.filename + ".gz", "gz_size": packed["size"]})
    return listing


@bp.route("/dumps/")
def index() -> Response:
    dumps = _dumps()
    stats = dumps.stats()
    response = Response(render_template("dumps.html", dumps=dump_listing(), license=LICENSE, rights=RIGHTS,
                                        license_name=LICENSE_NAME,
                                        modified=formatdate(dumps.modified, usegmt=True),
                                        triples=stats["triples"], quads=stats["quads"]),
                        content_type="text/html; charset=utf-8")
    response.headers["Link"] = link_header()
    return response


@bp.route("/dumps")
def index_slash() -> Response:
    from flask import redirect, request

    return redirect(request.script_root + "/dumps/", code=301)


@bp.route("/dumps/<name>")
def dump(name: str) -> Response:
    """One dump file, streamed from disk; Range, If-None-Match and If-Modified-Since are honoured."""
    dumps = _dumps()
    entry = dumps.entry(name)
    if entry is None:
        abort(404, description=f"no dump named {name!r}; see /dumps/")
    media = entry["media"] + ("; charset=utf-8" if not name.endswith(".gz") else "")
    response = send_file(dumps.directory / name, mimetype=media, conditional=True,
                         etag=entry["sha256"], last_modified=dumps.modified, max_age=3600)
    response.headers["Link"] = link_header()
    return response
