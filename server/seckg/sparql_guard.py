"""Keeps user-supplied SPARQL read-only and local.

Oxigraph executes SERVICE clauses by calling out over HTTP, and other engines
(rdflib, some remote stores) fetch the IRIs named by FROM / FROM NAMED, which
would let any visitor make the server fetch arbitrary URLs. So the query text
is tokenized here (strings, IRIs, comments, variables and prefixed names are
recognised so their contents are never taken for keywords) and:

- SERVICE is refused unless its endpoint IRI is allow-listed by the operator;
- FROM / FROM NAMED must name graphs of the dataset (or allow-listed IRIs).

The check errs on the side of refusing: Oxigraph accepts `SERVICE:x` (keyword,
then a prefixed name) and keywords run together, so a SERVICE whose target
cannot be read as an allow-listed IRI is refused.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field
from urllib.parse import urljoin

_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
# Every alternative that starts to match keeps what it scanned, so the scan is linear in the length of
# the query whatever its text: an unterminated string runs to the end of its line (triple-quoted: to
# the end of the query), and a run of name characters without a colon is one token rather than a fresh
# start at each of its letters. (Such queries are malformed; the engine refuses them anyway.)
_TOKEN = re.compile(
    r"""
      (?P<string>'''(?:[^'\\]|\\[\s\S]|'(?!''))*(?:'''|\Z)
      | \"\"\"(?:[^"\\]|\\[\s\S]|"(?!""))*(?:\"\"\"|\Z)
      | '(?:[^'\\\n\r]|\\.)*'?
      | "(?:[^"\\\n\r]|\\.)*"?)
    | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
    | (?P<comment>\#[^\n\r]*)
    | (?P<var>[?$][\w\u00B7-\uFFFF]+)
    | (?P<pname>(?P<prefix>[A-Za-z\u00C0-\uFFFF][\w.\-\u00B7-\uFFFF]*)?:(?:[\w\-:%\u00B7-\uFFFF]|\\.|\.(?=[\w\-:%]))*)
    | (?P<run>[A-Za-z\u00C0-\uFFFF][\w.\-\u00B7-\uFFFF]*)
    """,
    re.X,
)
_WORD = re.compile("[A-Za-z]+")
_FORMS = {"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"}
_UPDATES = {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"}


class QueryRejected(ValueError):
    """A query this server will not run, whatever it would return."""


@dataclass
class QueryInfo:
    """What the text of a query says about its form and the IRIs it would make an engine visit."""

    form: str | None = None  # SELECT, ASK, CONSTRUCT, DESCRIBE, or an update keyword
    from_graphs: list[str] = field(default_factory=list)
    from_named: list[str] = field(default_factory=list)
    services: list[str | None] = field(default_factory=list)  # None: a target that is not a plain IRI

    @property
    def is_update(self) -> bool:
        return self.form in _UPDATES


def _unescape(query: str) -> str:
    """Apply SPARQL's \\u and \\U codepoint escapes, which parsers may resolve before tokenizing."""
    return _ESCAPE.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), query)


def _tokens(query: str) -> list[tuple[str, str, re.Match]]:
    found = []
    for m in _TOKEN.finditer(_unescape(query)):
        kind = m.lastgroup if m.lastgroup != "prefix" else "pname"
        if kind == "run":  # keywords are the letters of a run: "?o.FILTER" holds the word FILTER
            found += [("word", word, m) for word in _WORD.findall(m.group())]
        elif kind != "comment":
            found.append((kind, m.group(), m))
    return found


def inspect_query(query: str) -> QueryInfo:
    """The form, FROM / FROM NAMED graphs and SERVICE targets of a query, read from its tokens."""
    info = QueryInfo()
    prefixes: dict[str, str] = {}
    base = ""
    tokens = _tokens(query)

    def iri_at(i: int) -> str | None:
        if i >= len(tokens):
            return None
        kind, text, match = tokens[i]
        if kind == "iri":
            return urljoin(base, text[1:-1]) if base else text[1:-1]
        if kind == "pname":
            prefix = match.group("prefix") or ""
            if prefix in prefixes:
                return prefixes[prefix] + text[len(prefix) + 1:]
        return None

    for i, (kind, text, match) in enumerate(tokens):
        if kind == "pname" and "SERVICE" in (match.group("prefix") or "").upper():
            info.services.append(None)  # SERVICE:x is the keyword SERVICE followed by :x
        if kind != "word":
            continue
        word = text.upper()
        if word == "PREFIX" and i + 2 < len(tokens) and tokens[i + 1][0] == "pname":
            target = iri_at(i + 2)
            if target is not None:
                prefixes[tokens[i + 1][1][:-1]] = target
        elif word == "BASE":
            base = iri_at(i + 1) or base
        elif info.form is None and (word in _FORMS or word in _UPDATES):
            info.form = word
        elif word == "FROM":
            named = i + 1 < len(tokens) and tokens[i + 1][1].upper() == "NAMED"
            target = iri_at(i + 2 if named else i + 1)
            (info.from_named if named else info.from_graphs).append(target or "")
        elif "SERVICE" in word:
            silent = i + 1 < len(tokens) and tokens[i + 1][1].upper() == "SILENT"
            info.services.append(iri_at(i + 2 if silent else i + 1) if word == "SERVICE" else None)
    return info


def check_query(
    query: str,
    allow_service: Collection[str] = (),
    dataset: Collection[str] | None = None,
    allow_from: Collection[str] = (),
) -> QueryInfo:
    """Raise `QueryRejected` if `query` may make the engine reach outside the dataset.

    SERVICE endpoints must be in `allow_service`; when `dataset` (the graph
    IRIs served) is given, FROM / FROM NAMED must name one of them or an IRI in
    `allow_from`. Returns what was read from the query.
    """
    info = inspect_query(query)
    for target in info.services:
        if target is None or target not in allow_service:
            shown = f" <{target}>" if target else ""
            raise QueryRejected(
                f"SERVICE{shown} is not allowed: this endpoint does not query other endpoints"
                + (" except the allow-listed ones" if allow_service else "")
            )
    if dataset is not None:
        for target in [*info.from_graphs, *info.from_named]:
            if target not in dataset and target not in allow_from:
                raise QueryRejected(
                    f"FROM <{target}> names a graph outside this dataset; the server does not fetch "
                    "graphs from the web (GET /sparql without a query lists the graphs)"
                )
    return info


def looks_like_update(query: str) -> bool:
    """Whether the text is a SPARQL Update, to explain why it was not accepted as a query."""
    return inspect_query(query).is_update


_BRACED = re.compile(_TOKEN.pattern + r"| (?P<brace>[{}]) | (?P<semicolon>;)", re.X)


def positioned_tokens(text: str) -> list[tuple[str, str, int]]:
    """(kind, text, offset) of each token of `text` as written, braces and semicolons included and
    comments left out, so a caller can find keywords and operations at the top level of an update."""
    found = []
    for m in _BRACED.finditer(text):
        kind = m.lastgroup if m.lastgroup != "prefix" else "pname"
        if kind == "run":  # as in _tokens: the keywords are the letters of a run
            found += [("word", w.group(), m.start() + w.start()) for w in _WORD.finditer(m.group())]
        elif kind != "comment":
            found.append((kind, m.group(), m.start()))
    return found
