"""Renders a validation report for people (grouped by file and node), for tools (JSON) and as SHACL (Turtle)."""

from __future__ import annotations

import json
from collections import Counter
from itertools import groupby

from rdflib.namespace import SH

from seckg.loading import LoadedGraph
from seckg.validation import ShapesError, ValidationReport, validate

FORMATS = ("human", "json", "turtle")


def summary(report: ValidationReport) -> dict[str, int]:
    counts = Counter(f.severity for f in report.findings)
    return {"violations": counts["Violation"], "warnings": counts["Warning"], "infos": counts["Info"]}


def render_human(report: ValidationReport) -> str:
    """`file:line  <iri> "Label"` headings, one indented line per finding, then a summary."""
    lines: list[str] = []
    for (file, line, node), group in groupby(report.findings, key=lambda f: (f.file, f.line, f.node)):
        findings = list(group)
        where = f"{file}:{line}" if file else "(no source line)"
        node = node if node.startswith("_:") else f"<{node}>"
        label = f' "{findings[0].label}"' if findings[0].label else ""
        lines.append(f"{where}  {node}{label}")
        for f in findings:
            parts = [f"{f.severity:<9}"]
            if f.via:
                parts.append(f"at={f.via}")
            if f.path:
                parts.append(f"path={f.path}")
            if f.value:
                parts.append(f"value={f.value}")
            parts.append(f"rule={f.component}" + (f" ({f.shape})" if f.shape else ""))
            parts.append(f.message)
            lines.append("    " + "  ".join(parts))
    counts = summary(report)
    verdict = "conforms" if report.conforms else "does not conform"
    lines.append(
        f"{counts['violations']} violation(s), {counts['warnings']} warning(s), "
        f"{counts['infos']} info(s): the graph {verdict}"
    )
    return "\n".join(lines) + "\n"


def render_json(report: ValidationReport) -> str:
    return (
        json.dumps(
            {
                "conforms": report.conforms,
                **summary(report),
                "results": [f.as_dict() for f in report.findings],
            },
            indent=2,
            ensure_ascii=False,
        )
        + "\n"
    )


def render_turtle(report: ValidationReport) -> str:
    """pyshacl's standard sh:ValidationReport graph."""
    report.graph.bind("sh", SH)
    return report.graph.serialize(format="turtle")


def render(report: ValidationReport, fmt: str) -> str:
    renderers = {"human": render_human, "json": render_json, "turtle": render_turtle}
    return renderers[fmt](report)


def why_not_servable(loaded: LoadedGraph) -> str | None:
    """Why a loaded graph must not be served (parse errors, unusable shapes, violations), or None:
    the one gate the server and the writer process both pass the files through."""
    if loaded.problems:
        return "\n".join(str(p) for p in loaded.problems)
    try:
        report = validate(loaded)
    except ShapesError as error:
        return str(error)
    return None if report.conforms else render_human(report) + "not serving a graph that does not conform"
