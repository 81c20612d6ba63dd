"""Holds the IRI patterns of shapes/ to the base the graph is served under.

The patterns in shapes/iris.ttl are written for the default base and anchored on it
("^https://w3id\\.org/seckg/id/state/…"). Relative IRIs in the data resolve against the
configured base, so a repository published under another base would break every pattern; this
rewrites their anchor to the configured base when the shapes are loaded, the way the parser
rebases relative IRIs, and leaves every other pattern alone.
"""

from __future__ import annotations

from rdflib import Graph, Literal
from rdflib.namespace import SH

from seckg.config import DEFAULT_BASE

_REGEX_SPECIAL = set(".^$*+?()[]{}|\\-")


def regex_escape(text: str) -> str:
    """`text` as a regular expression matching itself, escaping only what XPath, Java and Python
    regular expressions all treat as special (so the result means the same to every engine)."""
    return "".join("\\" + c if c in _REGEX_SPECIAL else c for c in text)


def rebase_patterns(shapes: Graph, base: str) -> int:
    """Rewrite every sh:pattern anchored on the default base to `base`; return how many."""
    if base == DEFAULT_BASE:
        return 0
    old, new = "^" + regex_escape(DEFAULT_BASE), "^" + regex_escape(base)
    rewritten = 0
    for shape, pattern in list(shapes.subject_objects(SH.pattern)):
        text = str(pattern)
        if text.startswith(old):
            shapes.remove((shape, SH.pattern, pattern))
            shapes.add((shape, SH.pattern, Literal(new + text[len(old):])))
            rewritten += 1
    return rewritten
