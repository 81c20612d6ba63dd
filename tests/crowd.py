"""A seckg-shaped crowd for the tiny repository: many states in a chain of rdfs:seeAlso links, so that
cartesian products and property paths have enough to chew on, and a long string for regex bombs."""

from __future__ import annotations

from conftest import PREFIXES

STATES = 400
NEAR_MISS = "a" * 40 + "b"  # what "^(a+)+$" backtracks on exponentially in a backtracking engine


def crowd_turtle(states: int = STATES) -> str:
    lines = [PREFIXES]
    for i in range(states):
        lines.append(f"<https://w3id.org/seckg/id/state/S{i}> a sec:State ; rdfs:label \"State {i}\"@en ; "
                     f"rdfs:seeAlso <https://w3id.org/seckg/id/state/S{(i + 1) % states}> .")
    lines.append(f'<https://w3id.org/seckg/id/state/S0> rdfs:comment "{NEAR_MISS}" .')
    return "\n".join(lines) + "\n"
