"""Whole-dataset dumps: written once per loaded graph, then served as static files at /dumps/.

Writing them ahead of time is what lets every response carry a true
Content-Length and a strong ETag (the SHA-256 of the bytes), answer
conditional and range requests, and stream from disk instead of holding a
serialization in memory. TriG and N-Quads keep the named graphs (one per
source file); Turtle, N-Triples, JSON-LD and RDF/XML hold their union, the
default graph every query sees. Each is also gzipped (deterministically, so
equal bytes give equal .gz files). `seckg export` writes the same files with
the same function.

The server builds them in a forked child that opens the store the way the
query children do, because a server process with an on-disk store must never
open RocksDB itself (see executor and store).
"""

from __future__ import annotations

import atexit
import gzip
import hashlib
import json
import multiprocessing
import os
import shutil
import tempfile
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
MANIFEST = "manifest.json"


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
    prefixes = prefixes_for(iris_of(store.quads()), base)
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


def _build(open_store: Callable[[], GraphStore], directory: str, config: Config) -> None:
    from seckg.web.void import dataset_statistics

    store = open_store()
    files = write_dumps(store, Path(directory), config.base)
    stats = dataset_statistics(store, config.base)
    manifest = {"files": files, "stats": stats, "modified": store.modified(config)}
    (Path(directory) / MANIFEST).write_text(json.dumps(manifest, indent=1))


def _build_in_child(open_store: Callable[[], GraphStore], directory: str, config: Config) -> None:
    """`_build`, then leave at once: a child forked from a gunicorn thread that exits the normal
    way runs its parent's thread-pool exit hooks, which fail in the fork and turn success into 1."""
    _build(open_store, directory, config)
    os._exit(0)


def build_for_app(open_store: Callable[[], GraphStore], config: Config, keep_in: Path | None = None) -> dict:
    """Write the dumps and the dataset statistics in a forked child; the manifest they produce.

    The files live in a temporary directory removed when the process that made
    it exits (gunicorn's workers are forks of it and must not remove it). With
    `keep_in` (beside an on-disk store) they are kept there with the sources'
    fingerprint, and a restart on unchanged sources serves them as they are:
    at a million triples writing them is most of a start.
    """
    from seckg.store import sources_fingerprint

    fingerprint = sources_fingerprint(config) if keep_in is not None else None
    if keep_in is not None and (Path(keep_in) / MANIFEST).is_file():
        kept = json.loads((Path(keep_in) / MANIFEST).read_text())
        if kept.get("fingerprint") == fingerprint:
            return {**kept, "directory": str(keep_in)}
    if keep_in is None:
        directory = tempfile.mkdtemp(prefix="seckg-dumps-")
        owner = os.getpid()
        atexit.register(lambda: os.getpid() == owner and shutil.rmtree(directory, ignore_errors=True))
    else:
        directory = str(keep_in)
        shutil.rmtree(directory, ignore_errors=True)
        Path(directory).mkdir(parents=True)
    child = multiprocessing.get_context("fork").Process(target=_build_in_child,
                                                        args=(open_store, directory, config))
    child.start()
    child.join()
    if child.exitcode != 0:
        raise RuntimeError(f"could not write the dumps into {directory} (exit code {child.exitcode})")
    manifest = json.loads((Path(directory) / MANIFEST).read_text())
    if fingerprint is not None:  # written last: an interrupted build is never taken for a whole one
        manifest["fingerprint"] = fingerprint
        (Path(directory) / MANIFEST).write_text(json.dumps(manifest, indent=1))
    manifest["directory"] = directory
    return manifest


def _manifest() -> dict:
    return current_app.extensions["seckg.dumps"]


def dump_listing() -> list[dict]:
    """The dumps in format order, each with its .gz, for the index page and the VoID description."""
    files = _manifest()["files"]
    listing = []
    for fmt in FORMATS:
        plain, packed = files[fmt.filename], files[fmt.filename + ".gz"]
        listing.append({"format": fmt, "name": fmt.filename, "size": plain["size"],
                        "gz": fmt.filename + ".gz", "gz_size": packed["size"]})
    return listing


@bp.route("/dumps/")
def index() -> Response:
    manifest = _manifest()
    response = Response(render_template("dumps.html", dumps=dump_listing(), license=LICENSE, rights=RIGHTS,
                                        license_name=LICENSE_NAME,
                                        modified=formatdate(manifest["modified"], usegmt=True),
                                        triples=manifest["stats"]["triples"], quads=manifest["stats"]["quads"]),
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
    manifest = _manifest()
    entry = manifest["files"].get(name)
    if entry is None:
        abort(404, description=f"no dump named {name!r}; see /dumps/")
    media = entry["media"] + ("; charset=utf-8" if not name.endswith(".gz") else "")
    response = send_file(Path(manifest["directory"]) / name, mimetype=media, conditional=True,
                         etag=entry["sha256"], last_modified=manifest["modified"], max_age=3600)
    response.headers["Link"] = link_header()
    return response
