"""Importers: turn the raw source tables in data/raw/ and the cited corrections in
data/curated/ into the generated Turtle under data/generated/ (membership spells and the
Wikidata items of states, organizations and cities), reproducibly.

`run_import(root)` computes every generated file as text; writing them is separate, so a
test (or `seckg import --check`) can compare a rebuild with what is on disk byte for byte.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from seckg.importers import wikidata_ids
from seckg.importers.pipeline import Build, Conflict, build
from seckg.importers.writer import file_name, group, render

GENERATED = Path("data/generated")
CONFLICTS_FILE = GENERATED / "conflicts.md"


@dataclass
class ImportResult:
    files: dict[Path, str]
    conflicts: list[Conflict]
    build: Build


def conflicts_report(conflicts: list[Conflict]) -> str:
    lines = [
        "# Source conflicts found by `seckg import`",
        "",
        "GENERATED FILE: written by `seckg import`; do not edit. Each line is a disagreement between",
        "a dataset and the curated facts kept in the graph, between ATOP or the CIA World Factbook and",
        "the graph, or a spell still open at the end of its dataset that no later source confirms.",
        "",
    ]
    kinds = sorted({c.kind for c in conflicts})
    for kind in kinds:
        these = [c for c in conflicts if c.kind == kind]
        lines += [f"## {kind} ({len(these)})", ""]
        lines += [f"- {c.org} {c.state}: {c.text}" for c in these]
        lines.append("")
    lines.append(f"Total: {len(conflicts)}")
    return "\n".join(lines) + "\n"


def run_import(root: Path) -> ImportResult:
    built = build(root)
    files = {}
    for org, spells in group(built.spells).items():
        rel = GENERATED / "memberships" / f"{file_name(org)}.ttl"
        files[rel] = render(org, spells, built.state_labels, built.org_labels)
    files[CONFLICTS_FILE] = conflicts_report(built.conflicts)
    items = wikidata_ids.all_items(root, set(built.state_labels), set(built.org_labels), wikidata_ids.place_slugs(root))
    files[wikidata_ids.GENERATED_FILE] = wikidata_ids.render(items)
    return ImportResult(files, built.conflicts, built)


def write(root: Path, result: ImportResult) -> list[Path]:
    """Write the generated files and remove stale ones; return the paths that changed."""
    changed = []
    target = root / GENERATED / "memberships"
    target.mkdir(parents=True, exist_ok=True)
    wanted = {root / rel for rel in result.files}
    for stale in sorted(target.glob("*.ttl")):
        if stale not in wanted:
            stale.unlink()
            changed.append(stale)
    for rel, text in sorted(result.files.items()):
        path = root / rel
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            changed.append(path)
    return changed
