"""Writes query answers as an aligned text table, SPARQL 1.1 Query Results JSON, or SPARQL 1.1 CSV.

Solutions are read once into a `ResultTable`, so one answer can be rendered
several ways and the table width can be measured before printing.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass

import pyoxigraph as ox

from seckg.namespaces import shorten
from seckg.terms import datatype_of

FORMATS = ("table", "json", "csv")
_MAX_CELL = 80

Term = ox.NamedNode | ox.BlankNode | ox.Literal


@dataclass
class ResultTable:
    """A SELECT answer (variables and rows) or an ASK answer (`boolean`)."""

    variables: list[str]
    rows: list[dict[str, Term]]
    boolean: bool | None = None

    @classmethod
    def from_query(cls, answer: ox.QuerySolutions | ox.QueryBoolean) -> ResultTable:
        if isinstance(answer, ox.QueryBoolean):
            return cls(variables=[], rows=[], boolean=bool(answer))
        variables = [v.value for v in answer.variables]
        rows = []
        for solution in answer:
            row = {}
            for name in variables:
                value = solution[name]
                if value is not None:
                    row[name] = value
            rows.append(row)
        return cls(variables=variables, rows=rows)


def _json_term(term: Term) -> dict[str, str]:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif datatype_of(term):
            out["datatype"] = term.datatype.value
        return out
    raise TypeError(f"cannot write {term!r} as SPARQL JSON")


def render_json(table: ResultTable) -> str:
    """SPARQL 1.1 Query Results JSON Format."""
    if table.boolean is not None:
        return json.dumps({"head": {}, "boolean": table.boolean}) + "\n"
    document = {
        "head": {"vars": table.variables},
        "results": {
            "bindings": [{name: _json_term(term) for name, term in row.items()} for row in table.rows]
        },
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _csv_value(term: Term | None) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    return term.value


def render_csv(table: ResultTable) -> str:
    """SPARQL 1.1 Query Results CSV: plain values, CRLF line ends, RFC 4180 quoting."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    if table.boolean is not None:
        writer.writerow(["boolean"])
        writer.writerow(["true" if table.boolean else "false"])
        return out.getvalue()
    writer.writerow(table.variables)
    for row in table.rows:
        writer.writerow([_csv_value(row.get(name)) for name in table.variables])
    return out.getvalue()


def _cell(term: Term | None, prefixes: dict[str, str]) -> str:
    if term is None:
        text = ""
    elif isinstance(term, ox.NamedNode):
        text = shorten(term.value, prefixes)
    elif isinstance(term, ox.BlankNode):
        text = f"_:{term.value}"
    else:
        text = term.value
    text = " ".join(text.split())  # one line per row, whatever the literal holds
    return text if len(text) <= _MAX_CELL else text[: _MAX_CELL - 1] + "…"


def render_table(table: ResultTable, prefixes: dict[str, str]) -> str:
    """Aligned columns for a terminal: literals as their text, IRIs shortened with `prefixes`."""
    if table.boolean is not None:
        return ("true" if table.boolean else "false") + "\n"
    cells = [[_cell(row.get(name), prefixes) for name in table.variables] for row in table.rows]
    widths = [max([len(name), *(len(r[i]) for r in cells)]) for i, name in enumerate(table.variables)]

    def line(values: list[str]) -> str:
        return "  ".join(v.ljust(w) for v, w in zip(values, widths, strict=True)).rstrip()

    lines = [line(table.variables), line(["-" * w for w in widths]), *(line(r) for r in cells)]
    lines.append(f"({len(cells)} row{'s' if len(cells) != 1 else ''})")
    return "\n".join(lines) + "\n"


def render(table: ResultTable, fmt: str, prefixes: dict[str, str]) -> str:
    if fmt == "json":
        return render_json(table)
    if fmt == "csv":
        return render_csv(table)
    return render_table(table, prefixes)
