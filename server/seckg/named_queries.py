"""Named queries: competency questions kept as queries/*.rq with a small header.

Header lines come first and start with `#+ ` (so the file stays valid SPARQL):

    #+ title: Members of an organization on a date
    #+ description: States that were members of the organization on the given day, with their role.
    #+ param: org | iri | https://w3id.org/seckg/id/org/CSTO | The organization
    #+ param: date | date | 2005-11-01 | The day asked about (YYYY-MM-DD)
    #+ result: member, memberLabel, role

A param line is `name | type | example | description`; every declared param is
required and is the query variable of the same name (`?org`).

Values are checked against their type, turned into RDF terms, and bound by a
VALUES block placed at the start of the query's WHERE group; the block is
written from the terms' N-Triples form, never from the user's text, so a value
cannot change the query's structure. (Oxigraph's own `substitutions` would
need every parameter in the SELECT projection, and a VALUES block works the
same on any remote SPARQL endpoint.)
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pyoxigraph as ox

_XSD = "http://www.w3.org/2001/XMLSchema#"
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_IRI_FORBIDDEN = re.compile(r'[\x00-\x20<>"{}|^`\\]')
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_INTEGER = re.compile(r"^[+-]?\d+$")

PARAM_TYPES = ("iri", "date", "string", "integer")


class QueryHeaderError(ValueError):
    """A .rq file whose header cannot be understood."""


class ParamError(ValueError):
    """Parameter values that do not fit the query's declared parameters."""


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    example: str
    description: str


@dataclass(frozen=True)
class NamedQuery:
    name: str
    title: str
    description: str
    sparql: str
    params: tuple[Param, ...] = ()
    result: tuple[str, ...] = ()
    path: Path | None = field(default=None, compare=False)

    def usage(self) -> str:
        """One line per parameter with its type, an example and what it means."""
        if not self.params:
            return f"{self.name} takes no parameters"
        lines = [f"{self.name} takes:"]
        for p in self.params:
            lines.append(f"  --param {p.name}={p.example}   ({p.type}) {p.description}")
        return "\n".join(lines)

    def bind(self, values: Mapping[str, str]) -> str:
        """The query text with `values` bound; `ParamError` names unknown, missing and bad ones."""
        return with_values(self.sparql, self.terms(values))

    def terms(self, values: Mapping[str, str]) -> dict[str, ox.NamedNode | ox.Literal]:
        """Typed RDF terms for user-supplied strings, keyed by variable name.

        Raises `ParamError` naming unknown, missing and malformed parameters.
        """
        declared = {p.name: p for p in self.params}
        unknown = sorted(set(values) - set(declared))
        missing = [p.name for p in self.params if p.name not in values]
        problems = []
        if unknown:
            problems.append(f"unknown parameter(s): {', '.join(unknown)}")
        if missing:
            problems.append(f"missing parameter(s): {', '.join(missing)}")
        bound = {}
        for name, raw in values.items():
            if name in declared:
                try:
                    bound[name] = to_term(declared[name].type, raw)
                except ParamError as error:
                    problems.append(f"{name}: {error}")
        if problems:
            raise ParamError("; ".join(problems) + "\n" + self.usage())
        return bound


def to_term(kind: str, raw: str) -> ox.NamedNode | ox.Literal:
    """The RDF term for `raw` read as a parameter of type `kind`, or `ParamError`."""
    if kind == "iri":
        if not _SCHEME.match(raw) or _IRI_FORBIDDEN.search(raw):
            raise ParamError(f"not an absolute IRI: {raw!r}")
        try:
            return ox.NamedNode(raw)
        except ValueError as error:
            raise ParamError(f"not a valid IRI: {raw!r} ({error})") from None
    if kind == "date":
        try:
            if not _DATE.match(raw):
                raise ValueError
            date.fromisoformat(raw)
        except ValueError:
            raise ParamError(f"not a date in YYYY-MM-DD form: {raw!r}") from None
        return ox.Literal(raw, datatype=ox.NamedNode(_XSD + "date"))
    if kind == "integer":
        if not _INTEGER.match(raw):
            raise ParamError(f"not an integer: {raw!r}")
        return ox.Literal(str(int(raw)), datatype=ox.NamedNode(_XSD + "integer"))
    if kind == "string":
        return ox.Literal(raw)
    raise ParamError(f"unknown parameter type {kind!r}")


_TOKENS = re.compile(
    r"""
      (?P<skip>'''(?:[^'\\]|\\.|'(?!''))*'''
      | \"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
      | '(?:[^'\\\n\r]|\\.)*'
      | "(?:[^"\\\n\r]|\\.)*"
      | <[^<>"{}|^`\\\x00-\x20]*>
      | \#[^\n\r]*
      | [?$]\w+
      | (?:[A-Za-z][\w.-]*)?:[\w.%:-]*)
    | (?P<word>[A-Za-z]+)
    | (?P<bracket>[{}()])
    """,
    re.X,
)


def where_group_start(sparql: str) -> int:
    """Offset just inside the `{` that opens the query's WHERE group.

    That is the first top-level `{` outside parentheses, except the template
    right after CONSTRUCT. Strings, IRIs, comments, variables and prefixed
    names are skipped so their contents are never mistaken for syntax.
    """
    braces = parens = 0
    previous_word = ""
    skipping_template = False
    for token in _TOKENS.finditer(sparql):
        if token.group("word"):
            previous_word = token.group("word").upper()
            continue
        bracket = token.group("bracket")
        if bracket == "(":
            parens += 1
        elif bracket == ")":
            parens -= 1
        elif bracket == "{":
            if braces == 0 and parens == 0:
                if previous_word == "CONSTRUCT":
                    skipping_template = True
                elif not skipping_template:
                    return token.end()
            braces += 1
        elif bracket == "}":
            braces -= 1
            if braces == 0:
                skipping_template = False
        if bracket:
            previous_word = ""
    raise QueryHeaderError("the query has no WHERE group to bind parameters in")


def with_values(sparql: str, terms: Mapping[str, ox.NamedNode | ox.Literal]) -> str:
    """`sparql` with one VALUES row binding each variable in `terms` at the start of WHERE."""
    if not terms:
        return sparql
    names = " ".join(f"?{name}" for name in terms)
    row = " ".join(str(term) for term in terms.values())  # N-Triples form, escaped by pyoxigraph
    at = where_group_start(sparql)
    return f"{sparql[:at]}\n  VALUES ({names}) {{ ({row}) }}\n{sparql[at:]}"


def _parse_param(text: str, where: str) -> Param:
    parts = [part.strip() for part in text.split("|")]
    if len(parts) != 4:
        raise QueryHeaderError(f"{where}: a param is 'name | type | example | description', got {text!r}")
    name, kind, example, description = parts
    if not _NAME.match(name):
        raise QueryHeaderError(f"{where}: {name!r} is not a SPARQL variable name")
    if kind not in PARAM_TYPES:
        raise QueryHeaderError(
            f"{where}: type of {name} must be one of {', '.join(PARAM_TYPES)}, got {kind!r}"
        )
    try:
        to_term(kind, example)
    except ParamError as error:
        raise QueryHeaderError(f"{where}: example for {name} is invalid: {error}") from None
    return Param(name, kind, example, description)


def parse_named_query(text: str, name: str, path: Path | None = None) -> NamedQuery:
    """Read the `#+ key: value` header of a .rq text; the whole text is the query."""
    fields: dict[str, str] = {}
    params: list[Param] = []
    body_lines = []
    in_header = True
    for number, line in enumerate(text.splitlines(), start=1):
        where = f"{path or name}:{number}"
        if in_header and line.startswith("#+"):
            key, sep, value = line[2:].strip().partition(":")
            key, value = key.strip(), value.strip()
            if not sep:
                raise QueryHeaderError(f"{where}: header lines are '#+ key: value', got {line!r}")
            if key == "param":
                params.append(_parse_param(value, where))
            elif key in ("title", "description", "result"):
                if key in fields:
                    raise QueryHeaderError(f"{where}: {key} is given twice")
                fields[key] = value
            else:
                raise QueryHeaderError(f"{where}: unknown header key {key!r}")
            continue
        in_header = False
        body_lines.append(line)
    if not fields.get("title"):
        raise QueryHeaderError(f"{path or name}: the header needs a '#+ title:' line")
    names = [p.name for p in params]
    if len(set(names)) != len(names):
        raise QueryHeaderError(f"{path or name}: a parameter is declared twice")
    body = "\n".join(body_lines)
    for p in params:
        if not re.search(rf"[?$]{p.name}\b", body):
            raise QueryHeaderError(
                f"{path or name}: parameter {p.name} is not used as ?{p.name} in the query"
            )
    if params:
        try:
            where_group_start(text)
        except QueryHeaderError as error:
            raise QueryHeaderError(f"{path or name}: {error}") from None
    result = tuple(v.strip() for v in fields.get("result", "").split(",") if v.strip())
    return NamedQuery(
        name=name,
        title=fields["title"],
        description=fields.get("description", ""),
        sparql=text,
        params=tuple(params),
        result=result,
        path=path,
    )


def load_named_queries(folder: Path) -> dict[str, NamedQuery]:
    """Every queries/*.rq by file stem; a bad header raises `QueryHeaderError` naming the file."""
    return {
        path.stem: parse_named_query(path.read_text(encoding="utf-8"), path.stem, path)
        for path in sorted(folder.glob("*.rq"))
    }
