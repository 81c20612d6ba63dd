"""The ontology as OWL/XML: `ontology/seckg.owx`, written by the OWL API and committed.

No Python library writes OWL/XML well, and the server should not start a JVM, so the file
is generated here (``python -m seckg.owl.owlxml``) by ``OwlXmlConvert.java`` and served as
it is. It records a fingerprint of the triples it was made from; the server offers it only
while the Turtle still has those triples, and a test regenerates it and has the OWL API
check that it holds the same axioms as the Turtle.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from seckg.canonical import PREFIXES, canonical_turtle, parse_exact
from seckg.config import DEFAULT_BASE, Config

from .profile import HERE, java_command

CONVERTER = HERE / "OwlXmlConvert.java"
_FINGERPRINT = re.compile(rb"<!-- seckg: generated from (\S+) by python -m seckg\.owl\.owlxml; triples sha256 "
                          rb"([0-9a-f]{64}) -->")


def fingerprint(turtle: bytes | str, base: str = DEFAULT_BASE) -> str:
    """SHA-256 of the triples of a Turtle text (their canonical Turtle, without comments)."""
    text = turtle.decode("utf-8") if isinstance(turtle, bytes) else turtle
    return hashlib.sha256(canonical_turtle(parse_exact(text, base), base=base).encode("utf-8")).hexdigest()


def recorded_fingerprint(owx: bytes) -> str | None:
    """The fingerprint an OWL/XML file written by `write_owlxml` records, else None."""
    match = _FINGERPRINT.search(owx[:1000])
    return match.group(2).decode() if match else None


def owlxml_path(turtle: Path) -> Path:
    return turtle.with_suffix(".owx")


def _run(*args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([*java_command(CONVERTER), *args], capture_output=True, text=True,
                          timeout=timeout, check=False)


def _used_prefixes(graph) -> list[str]:
    """`name=namespace` for the project's prefixes the ontology uses, so the file depends on its
    triples alone, not on the prefixes its Turtle happens to declare."""
    iris = {str(term) for triple in graph for term in triple}
    return [f"{name}={namespace}" for name, namespace in sorted(PREFIXES.items())
            if any(iri.startswith(namespace) for iri in iris)]


def render_owlxml(turtle: Path, base: str = DEFAULT_BASE) -> bytes:
    """The OWL/XML the OWL API writes for a Turtle ontology, with its fingerprint after the XML declaration."""
    with tempfile.TemporaryDirectory(prefix="seckg-owx-") as tmp:
        out = Path(tmp) / "out.owx"
        graph = parse_exact(turtle.read_text(encoding="utf-8"), base)
        proc = _run("convert", str(turtle), str(out), *_used_prefixes(graph))
        if proc.returncode != 0:
            raise RuntimeError(f"OwlXmlConvert failed on {turtle} (exit {proc.returncode}): {proc.stderr.strip()}")
        body = out.read_bytes()
    note = (f"<!-- seckg: generated from {turtle.name} by python -m seckg.owl.owlxml; "
            f"triples sha256 {fingerprint(turtle.read_bytes(), base)} -->\n").encode()
    declaration, newline, rest = body.partition(b"\n")
    return declaration + newline + note + rest if declaration.startswith(b"<?xml") else note + body


def compare(first: Path, second: Path) -> list[str]:
    """Axioms (and ontology annotations or IDs) one document has and the other lacks, by the OWL API."""
    proc = _run("compare", str(first), str(second))
    records = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode not in (0, 1) or not any(r["kind"] == "summary" for r in records):
        raise RuntimeError(f"OwlXmlConvert compare failed (exit {proc.returncode}): {proc.stderr.strip()}")
    return [f"only in {r['file']}: {r['axiom']}" for r in records if r["kind"] == "only_in"]


def main(argv: list[str] | None = None) -> int:
    """Regenerate ontology/*.owx (or, with --check, exit 1 if one is missing or out of date)."""
    args = sys.argv[1:] if argv is None else argv
    check = "--check" in args
    config = Config.from_env()
    stale = []
    for turtle in sorted(config.ontology_dir.glob("*.ttl")):
        target = owlxml_path(turtle)
        wanted = render_owlxml(turtle, config.base)
        if target.exists() and target.read_bytes() == wanted:
            continue
        stale.append(target)
        if not check:
            target.write_bytes(wanted)
        print(f"{'out of date' if check else 'wrote'}: {target.relative_to(config.root)}", file=sys.stderr)
    return 1 if check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
