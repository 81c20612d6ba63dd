"""Consistency and class satisfiability with HermiT, through owlready2.

A graph can be OWL 2 DL and still contradict itself (an individual in two
disjoint classes) or define a class nothing can belong to; only a reasoner finds
that. owlready2 ships HermiT; its Pellet is broken on Java 17, so HermiT it is.

Reasoning runs in a child Python process: owlready2 keeps global state (default
world, Java memory setting) and leaves its temporary N-Triples file behind when
HermiT fails, so the child gets a private TMPDIR that is removed afterwards, and
the caller's process stays clean. Run this file as a script only as that child.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_JAVA_MEMORY_MB = 2000


class ReasonerError(RuntimeError):
    """HermiT or owlready2 could not decide (unsupported datatype, Java error, missing import...)."""


@dataclass(frozen=True)
class ReasoningReport:
    """HermiT's verdict on the merged ontology + data; ``ok`` when consistent with no unsatisfiable class."""

    consistent: bool
    unsatisfiable_classes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.consistent and not self.unsatisfiable_classes


def check_consistency(files: Iterable[Path | str], *, java: str | None = None,
                      java_memory_mb: int = DEFAULT_JAVA_MEMORY_MB,
                      ignore_unsupported_datatypes: bool = False,
                      timeout: float = 900) -> ReasoningReport:
    """Merge the files (imports inlined from local catalogs) and ask HermiT about them.

    ``ignore_unsupported_datatypes`` lets HermiT skip literals whose datatype is
    outside the OWL 2 datatype map (xsd:date, xsd:gYear...) instead of failing; it
    is off by default because such literals are not OWL 2 DL either.
    Raises ReasonerError when HermiT cannot give a verdict.
    """
    from .merge import merge_files, write_ntriples  # the child process needs owlready2 only

    start = time.monotonic()
    paths = [Path(f).resolve() for f in files]
    if not paths:
        raise ValueError("no files to reason over")
    java = java or os.environ.get("SECKG_JAVA") or "java"
    if shutil.which(java) is None:
        raise ReasonerError(f"no Java launcher {java!r} on PATH; HermiT needs Java 8+ "
                            "(apt-get install -y default-jre-headless)")
    triples, unresolved = merge_files(paths, inline_imports=True)
    if unresolved:
        raise ReasonerError(
            "imports not resolvable from local catalog-v001.xml files: " + ", ".join(unresolved)
        )
    with tempfile.TemporaryDirectory(prefix="seckg-hermit-") as tmp:
        merged = Path(tmp) / "merged.nt"
        write_ntriples(triples, merged)
        work = Path(tmp) / "tmp"
        work.mkdir()
        env = dict(os.environ, TMPDIR=str(work), TEMP=str(work), TMP=str(work))
        # -P: do not put this folder (with its profile.py) first on the child's sys.path.
        command = [sys.executable, "-P", str(Path(__file__).resolve()), str(merged), str(java_memory_mb),
                   java, "1" if ignore_unsupported_datatypes else "0"]
        try:
            proc = subprocess.run(command, capture_output=True, text=True, env=env, timeout=timeout,
                                  check=False)
        except subprocess.TimeoutExpired as e:
            raise ReasonerError(f"HermiT did not finish within {timeout:.0f}s") from e
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if not lines:
        raise ReasonerError(f"reasoner process failed (exit {proc.returncode}):\n{proc.stderr.strip()}")
    result = json.loads(lines[-1])
    if result.get("error"):
        raise ReasonerError(result["error"])
    seconds = time.monotonic() - start
    consistent = bool(result["consistent"])
    unsat = sorted(result["unsatisfiable_classes"])
    if not consistent:
        message = "HermiT: ontology + data are inconsistent"
    elif unsat:
        message = f"HermiT: {len(unsat)} unsatisfiable class(es): " + ", ".join(unsat)
    else:
        message = "HermiT: consistent, every class satisfiable"
    message += f" ({len(triples)} triples, HermiT {result['seconds']:.1f}s, total {seconds:.1f}s)"
    return ReasoningReport(consistent=consistent, unsatisfiable_classes=unsat, seconds=seconds,
                           message=message)


def _reason_in_child(nt_file: str, java_memory_mb: int, java: str, ignore_unsupported: bool) -> dict:
    """Load the N-Triples into a fresh owlready2 World and run HermiT (runs in the child process)."""
    try:
        import owlready2
        from owlready2 import reasoning
    except ImportError as e:
        return {"error": f"owlready2 is not installed in {sys.executable} ({e}); pip install owlready2"}

    owlready2.JAVA_EXE = java
    reasoning.JAVA_MEMORY = java_memory_mb
    world = owlready2.World()
    with open(nt_file, "rb") as handle:
        world.get_ontology("http://seckg.invalid/merged").load(fileobj=handle, format="ntriples")
    start = time.monotonic()
    try:
        reasoning.sync_reasoner_hermit(world, infer_property_values=False, debug=0,
                                       ignore_unsupported_datatypes=ignore_unsupported)
    except owlready2.OwlReadyInconsistentOntologyError:
        return {"consistent": False, "unsatisfiable_classes": [], "seconds": time.monotonic() - start}
    except owlready2.OwlReadyJavaError as e:
        text = str(e)
        hint = ""
        if "UnsupportedDatatypeException" in text:
            hint = ("A literal uses a datatype outside the OWL 2 datatype map (not OWL 2 DL); "
                    "use a map datatype or pass ignore_unsupported_datatypes=True.\n")
        return {"error": hint + "HermiT failed: " + _java_error_summary(text)}
    unsat = sorted({c.iri for c in world.inconsistent_classes() if getattr(c, "iri", None)}
                   - {"http://www.w3.org/2002/07/owl#Nothing"})
    return {"consistent": True, "unsatisfiable_classes": unsat, "seconds": time.monotonic() - start}


def _java_error_summary(text: str) -> str:
    """The exception lines of a Java stack trace, without the frames."""
    lines = [line for line in text.splitlines() if line.strip() and not line.strip().startswith("at ")]
    return "\n".join(lines[:12])


if __name__ == "__main__":
    try:
        _out = _reason_in_child(sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4] == "1")
    except Exception as exc:  # noqa: BLE001 - any failure goes back as JSON, raised as ReasonerError
        _out = {"error": f"{type(exc).__name__}: {exc}"}
    print(json.dumps(_out))
