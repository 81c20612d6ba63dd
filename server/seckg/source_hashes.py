"""What the source files hold, by hash, without reading a file that cannot have changed.

An on-disk store remembers the SHA-256 of each file it was built from, so a restart can tell
which files changed. Reading gigabytes to find that nothing did is most of a restart at ten
million triples, so each hash is kept with the file's stat signature (size, mtime, ctime,
inode) and a file whose signature is unchanged is not read again. ctime cannot be set back by
a program (unlike mtime: `touch -d`, archive tools), so a rewrite always changes it. A write in
the same clock tick as the look that recorded the signature could leave it unchanged, the way
git's "racily clean" entries can; so a signature is only kept for a file whose last change was
at least `_SETTLED_NS` before that look, and a younger file is hashed every time.
"""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass
from pathlib import Path

from seckg.config import Config
from seckg.loading import data_files, ontology_files, relative, shape_files

_SETTLED_NS = 2_000_000_000  # coarser than any file system's timestamps (FAT: 2 s)

# Hashes this process already took, by path and signature: the CLI, the answer cache and the
# dumps each ask for the sources' fingerprint at start-up, and the files are read once.
_TAKEN: dict[tuple[str, tuple[int, ...]], str] = {}


@dataclass(frozen=True)
class FileHash:
    sha256: str | None  # None: unknown (unreadable, or changed while it was being loaded)
    seen: tuple[int, ...] | None  # (size, mtime_ns, ctime_ns, inode) when it was hashed
    settled: bool = False  # whether `seen` may stand for the hash on a later look

    def as_json(self) -> dict:
        return {"sha256": self.sha256, "stat": list(self.seen) if self.settled and self.seen else None}

    @staticmethod
    def from_json(record: dict) -> FileHash:
        stat = record.get("stat")
        return FileHash(record.get("sha256"), tuple(stat) if stat else None, bool(stat))


def source_paths(config: Config) -> dict[str, Path]:
    """Every ontology, data and shapes file by its path relative to the root, in load order."""
    return {relative(config, p).as_posix(): p for p in (*ontology_files(config), *data_files(config),
                                                         *shape_files(config))}


def signature(path: Path) -> tuple[int, ...] | None:
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return (stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino)


def _digest(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def file_hashes(config: Config, known: dict[str, FileHash] | None = None) -> dict[str, FileHash]:
    """The hash of every source file; a file whose settled signature equals the one in `known`
    (or one this process saw) keeps the hash recorded with it and is not read."""
    known = known or {}
    looked = time.time_ns()
    hashes = {}
    for rel, path in source_paths(config).items():
        seen = signature(path)
        settled = seen is not None and max(seen[1], seen[2]) < looked - _SETTLED_NS
        before = known.get(rel)
        if settled and before is not None and before.settled and before.sha256 and before.seen == seen:
            sha = before.sha256
        elif settled and (str(path), seen) in _TAKEN:
            sha = _TAKEN[(str(path), seen)]
        else:
            try:
                sha = _digest(path)
            except OSError:
                sha = None  # unreadable: the loader says why
        if settled and sha is not None:
            _TAKEN[(str(path), seen)] = sha
        hashes[rel] = FileHash(sha, seen, settled)
    return hashes


def fingerprint(base: str, hashes: dict[str, FileHash]) -> str:
    """One hash for the whole set of sources and the base IRI: equal fingerprints, same graph."""
    digest = hashlib.sha256(base.encode() + b"\0")
    for rel, entry in sorted(hashes.items()):
        digest.update(f"{rel}\0{entry.sha256}\0".encode())
    return digest.hexdigest()


def sources_fingerprint(config: Config) -> str:
    """The fingerprint of the sources as they are now."""
    return fingerprint(config.base, file_hashes(config))
