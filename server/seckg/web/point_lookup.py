"""`DESCRIBE <iri>`, answered by the web worker itself when it holds the graph in memory.

Other queries go to a child process that can be killed at the query's deadline (see executor).
For the lookup of one IRI, the commonest request of a linked-data client, that round trip costs
more than the answer, and nothing needs a deadline: the work is bounded by the answer (the
triples about one node, written into a buffer capped at the response limit). The guard has
nothing to find in such a query either: no SERVICE, no FROM, no update.
"""

from __future__ import annotations

import re
from dataclasses import replace

from seckg.executor import Answer, Job, execute
from seckg.sparql_guard import QueryInfo
from seckg.store import EmbeddedStore, GraphStore

_DESCRIBE_ONE_IRI = re.compile(r"\s*DESCRIBE\s*<[^<>\"{}|^`\\\x00-\x20]*>\s*", re.I)
_CHECKED = QueryInfo(form="DESCRIBE")


def answer(job: Job, store: GraphStore | None) -> Answer | None:
    """The answer to `job` if it is a lookup this process can make on its own store, else None."""
    if (not isinstance(store, EmbeddedStore) or job.default_graph is not None or job.named_graphs is not None
            or job.graph_writer is None or not _DESCRIBE_ONE_IRI.fullmatch(job.sparql)):
        return None
    return execute(store, replace(job, checked=_CHECKED))
