"""OWL 2 DL profile check with the OWL API, the library Protégé is built on.

rdflib cannot tell whether a graph is OWL 2 DL or what Protégé will complain
about when it opens a file; the OWL API can. It is Java, so this module runs
``OwlProfileCheck.java`` (single-file source launch, no build step) against
Debian's ``libowlapi-java`` jars and reads its JSON lines.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .merge import merge_files, write_ntriples

HERE = Path(__file__).resolve().parent
JAVA_PROGRAM = HERE / "OwlProfileCheck.java"
JAR_LIST = HERE / "owlapi-jars.txt"
ENSURE_SCRIPT = HERE / "ensure-owlapi.sh"
DEFAULT_JAVA_DIR = Path("/usr/share/java")
# C1 only and the serial collector: the run is short, so JIT warm-up dominates.
JAVA_OPTIONS = ("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC")

FAILURE_KINDS = frozenset({
    "parse_error", "missing_import", "catalog_error", "unparsed_triple", "illegal_punning",
    "log_error", "log_warning", "profile_violation",
})


class OwlApiUnavailable(RuntimeError):
    """Java or the OWL API jars are missing; the message says how to install them."""


@dataclass(frozen=True)
class ProfileReport:
    """What the OWL API said about the checked files; ``ok`` only when it said nothing bad."""

    files: tuple[str, ...]
    checked: tuple[str, ...]
    findings: list[dict] = field(default_factory=list)
    loaded: list[dict] = field(default_factory=list)
    info: list[dict] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.findings and len(self.loaded) == len(self.checked)

    def of_kind(self, *kinds: str) -> list[dict]:
        return [f for f in self.findings if f["kind"] in kinds]

    @property
    def violations(self) -> list[dict]:
        return self.of_kind("profile_violation", "illegal_punning")

    @property
    def unparsed_triples(self) -> list[dict]:
        return self.of_kind("unparsed_triple")

    @property
    def missing_imports(self) -> list[dict]:
        return self.of_kind("missing_import", "catalog_error")

    @property
    def parse_errors(self) -> list[dict]:
        return self.of_kind("parse_error", "log_error", "log_warning")

    def summary(self) -> str:
        """One line per finding, for assertion messages and the CLI."""
        lines = [f"OWL API on {', '.join(self.files)}: {len(self.findings)} finding(s) in {self.seconds:.1f}s"]
        for f in self.findings:
            if f["kind"] == "profile_violation":
                text = f"{f.get('violation')}: {f.get('axiom') or f.get('message')}"
            elif f["kind"] == "unparsed_triple":
                text = f"{f.get('subject')} {f.get('predicate')} {f.get('object')}"
            elif f["kind"] == "missing_import":
                text = f"{f.get('import')}: {f.get('message')}"
            else:
                text = f.get("message") or f.get("iri") or ""
                if f.get("parser") or f.get("logger"):
                    text = f"[{f.get('parser') or f.get('logger')}] {text}"
            lines.append(f"  {f['kind']}: {text}")
        return "\n".join(lines)


def jar_names() -> list[str]:
    """The jar base names listed in owlapi-jars.txt (shared with ensure-owlapi.sh)."""
    names = []
    for line in JAR_LIST.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            names.append(line)
    return names


def classpath(java_dir: Path | str | None = None) -> str:
    """Colon-joined jar paths; raises OwlApiUnavailable naming the missing jars and the fix."""
    directory = Path(java_dir or os.environ.get("OWLAPI_JAVA_DIR") or DEFAULT_JAVA_DIR)
    jars = [directory / f"{name}.jar" for name in jar_names()]
    missing = [str(j) for j in jars if not j.is_file()]
    if missing:
        raise OwlApiUnavailable(
            "OWL API jars missing: " + ", ".join(missing)
            + f"\nInstall them with: {ENSURE_SCRIPT} (as root, uses apt-get), or"
            " apt-get install -y --no-install-recommends libowlapi-java;"
            " or set OWLAPI_JAVA_DIR to a folder holding these jars."
        )
    return os.pathsep.join(str(j) for j in jars)


def find_java(java: str | None = None) -> str:
    """A java launcher from a JDK 11+ (single-file source launch compiles in memory)."""
    candidate = java or os.environ.get("SECKG_JAVA") or "java"
    path = shutil.which(candidate)
    if path is None:
        raise OwlApiUnavailable(
            f"no Java launcher {candidate!r} on PATH; install a JDK 11+ "
            "(apt-get install -y default-jdk-headless)"
        )
    return path


def compiled_program(java_path: str, jars: str, program: Path = JAVA_PROGRAM) -> Path | None:
    """A cached compile of a single-file Java `program`, or None to fall back to source launch.

    Source launch recompiles on every run (~1.5 s); the class is cached per
    source, classpath and JDK under $XDG_CACHE_HOME/seckg so repeated checks
    (tests, CI) skip that. Any failure here just means source launch.
    """
    javac = Path(java_path).resolve().parent / "javac"
    if not javac.is_file():
        return None
    digest = hashlib.sha256(program.read_bytes() + jars.encode() + str(javac).encode()).hexdigest()[:16]
    cache_root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "seckg"
    target = cache_root / f"{program.stem.lower()}-{digest}"
    compiled_class = target / f"{program.stem}.class"
    if compiled_class.is_file():
        return target
    try:
        cache_root.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f"{program.stem.lower()}-", dir=cache_root))
        proc = subprocess.run([str(javac), "-nowarn", "-d", str(staging), "-cp", jars, str(program)],
                              capture_output=True, text=True, timeout=300, check=False)
        if proc.returncode != 0:
            shutil.rmtree(staging, ignore_errors=True)
            return None
        try:
            staging.rename(target)  # atomic; a concurrent run may have won, which is as good
        except OSError:
            shutil.rmtree(staging, ignore_errors=True)
    except (OSError, subprocess.SubprocessError):
        return None
    return target if compiled_class.is_file() else None


def java_command(program: Path = JAVA_PROGRAM, java: str | None = None) -> list[str]:
    """The command that runs a single-file Java `program` with the OWL API on its classpath."""
    java_path = find_java(java)
    jars = classpath()
    compiled = compiled_program(java_path, jars, program)
    if compiled is not None:
        return [java_path, *JAVA_OPTIONS, "-cp", os.pathsep.join([str(compiled), jars]), program.stem]
    return [java_path, *JAVA_OPTIONS, "-cp", jars, str(program)]


def run_checker(paths: Sequence[Path], *, resolve_dir: Path | None = None, java: str | None = None,
                timeout: float = 600) -> tuple[list[dict], str]:
    """Run OwlProfileCheck on the files; returns its JSON records and stderr."""
    command = java_command(JAVA_PROGRAM, java)
    if resolve_dir is not None:
        command.append(f"--resolve-dir={resolve_dir}")
    command += [str(p) for p in paths]
    try:
        proc = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as e:
        raise RuntimeError(f"OwlProfileCheck did not finish within {timeout:.0f}s") from e
    records = []
    for line in proc.stdout.splitlines():
        if line.startswith("{"):
            records.append(json.loads(line))
    if proc.returncode not in (0, 1) or not any(r["kind"] == "summary" for r in records):
        raise RuntimeError(
            f"OwlProfileCheck failed (exit {proc.returncode}):\n{proc.stderr.strip() or proc.stdout.strip()}"
        )
    return records, proc.stderr


def check_dl_profile(files: Iterable[Path | str], *, merge: bool = True, java: str | None = None,
                     timeout: float = 600) -> ProfileReport:
    """Check files with the OWL API: parse errors, unparsed triples, missing imports, OWL 2 DL profile.

    With ``merge`` (the default) several files are merged into one N-Triples
    document first (see ``merge.merge_files``) and checked as one ontology, with
    imports resolved through the first file's folder (its catalog-v001.xml);
    otherwise each file is checked on its own, as Protégé would open it.
    """
    paths = [Path(f).resolve() for f in files]
    if not paths:
        raise ValueError("no files to check")
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise FileNotFoundError(", ".join(missing))
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="seckg-owlapi-") as tmp:
        if merge and len(paths) > 1:
            triples, _ = merge_files(paths, inline_imports=False)
            merged = Path(tmp) / "merged.nt"
            write_ntriples(triples, merged)
            checked = [merged]
            records, _stderr = run_checker(checked, resolve_dir=paths[0].parent, java=java, timeout=timeout)
        else:
            checked = paths
            records, _stderr = run_checker(checked, java=java, timeout=timeout)
    return ProfileReport(
        files=tuple(str(p) for p in paths),
        checked=tuple(str(p) for p in checked),
        findings=[r for r in records if r["kind"] in FAILURE_KINDS],
        loaded=[r for r in records if r["kind"] == "loaded"],
        info=[r for r in records if r["kind"] not in FAILURE_KINDS and r["kind"] not in ("loaded", "summary")],
        seconds=time.monotonic() - start,
    )
