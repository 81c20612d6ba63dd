"""Keeps user-supplied SPARQL read-only and local.

Oxigraph executes SERVICE clauses by calling out over HTTP, which would let any
visitor make the server fetch arbitrary URLs, so queries that mention SERVICE
outside strings, IRIs, comments, variable names and local names are refused
before they reach the store. The check errs on the side of refusing: Oxigraph
accepts `SERVICE:x` (keyword, then a prefixed name) and keywords run together,
so prefixes are kept and no word boundaries are required.
"""

from __future__ import annotations

import re

_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_NOT_KEYWORDS = re.compile(
    r"""
      '''(?:[^'\\]|\\.|'(?!''))*'''
    | \"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
    | '(?:[^'\\\n\r]|\\.)*'
    | "(?:[^"\\\n\r]|\\.)*"
    | <[^<>"{}|^`\\\x00-\x20]*>
    | \#[^\n\r]*
    | [?$][\w\u00B7-\uFFFF]+
    | (?P<prefix>[A-Za-z\u00C0-\uFFFF][\w.\-\u00B7-\uFFFF]*)?:(?:[\w\-:%\u00B7-\uFFFF]|\\.|\.(?=[\w\-:%]))*
    """,
    re.X,
)
_SERVICE = re.compile(r"SERVICE", re.I)
_PROLOGUE = re.compile(r"^\s*(?:(?:BASE|PREFIX)\b[^<]*<[^>]*>\s*)*", re.I)
_UPDATE = re.compile(r"(?:INSERT|DELETE|LOAD|CLEAR|DROP|CREATE|ADD|MOVE|COPY|WITH)\b", re.I)


class QueryRejected(ValueError):
    """A query this server will not run, whatever it would return."""


def _unescape(query: str) -> str:
    """Apply SPARQL's \\u and \\U codepoint escapes, which parsers may resolve before tokenizing."""
    return _ESCAPE.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), query)


def _keywords_only(query: str) -> str:
    return _NOT_KEYWORDS.sub(lambda m: f" {m.group('prefix') or ''} ", _unescape(query))


def check_query(query: str) -> None:
    """Raise `QueryRejected` if `query` may use SERVICE (an outbound HTTP call)."""
    if _SERVICE.search(_keywords_only(query)):
        raise QueryRejected("SERVICE is not allowed: this endpoint does not query other endpoints")


def looks_like_update(query: str) -> bool:
    """Whether the text is a SPARQL Update, to explain why it was not accepted as a query."""
    return bool(_UPDATE.match(_PROLOGUE.sub("", _unescape(query))))
