"""Canonical Turtle for data files written back from the store (INTERIM).

This is an interim stand-in so that `seckg export --to-files` works on this
branch: it serializes with rdflib's "longturtle" writer, which sorts subjects
and predicates and so already gives stable, diff-friendly output. Issue 6 is
building the real `seckg.canonical.canonical_turtle` with the same import path
and signature; when the branches are merged this module is replaced by it.
"""

from __future__ import annotations

from rdflib import Graph


def canonical_turtle(graph: Graph) -> str:
    """`graph` as Turtle in one deterministic layout, using the prefixes bound on it. (Interim.)"""
    return graph.serialize(format="longturtle")
