"""Media types, `format` names and content negotiation for every negotiated response.

One module owns them so /sparql, the service description and /api/<name>
offer the same formats under the same names, and a format added here is
offered, described and tested everywhere at once.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

_FORMATS_NS = "http://www.w3.org/ns/formats/"


@dataclass(frozen=True)
class Offer:
    """One way to write an answer: the media type sent, what selects it, and the writer to use."""

    media: str
    names: tuple[str, ...]  # values of the `format` parameter that pick it
    aliases: tuple[str, ...]  # other media types in Accept that pick it
    writer: str  # attribute of ox.QueryResultsFormat or ox.RdfFormat
    w3c: str  # http://www.w3.org/ns/formats/ IRI, for the service description

    @property
    def content_type(self) -> str:
        return f"{self.media}; charset=utf-8"

    def results_format(self) -> ox.QueryResultsFormat:
        return getattr(ox.QueryResultsFormat, self.writer)

    def rdf_format(self) -> ox.RdfFormat:
        return getattr(ox.RdfFormat, self.writer)


# Server preference order: the first offer is the default for a missing Accept or */*.
RESULT_OFFERS = (
    Offer(
        "application/sparql-results+json",
        ("json", "srj"),
        ("application/json", "text/javascript", "application/javascript"),
        "JSON",
        _FORMATS_NS + "SPARQL_Results_JSON",
    ),
    Offer(
        "application/sparql-results+xml",
        ("xml", "srx"),
        ("application/xml", "text/xml"),
        "XML",
        _FORMATS_NS + "SPARQL_Results_XML",
    ),
    Offer("text/csv", ("csv",), (), "CSV", _FORMATS_NS + "SPARQL_Results_CSV"),
    Offer("text/tab-separated-values", ("tsv",), (), "TSV", _FORMATS_NS + "SPARQL_Results_TSV"),
)
GRAPH_OFFERS = (
    Offer("text/turtle", ("turtle", "ttl", "n3"), ("application/turtle", "application/x-turtle"), "TURTLE",
          _FORMATS_NS + "Turtle"),
    Offer("application/n-triples", ("nt", "ntriples", "n-triples"), (), "N_TRIPLES", _FORMATS_NS + "N-Triples"),
    Offer("application/ld+json", ("jsonld", "json-ld", "json"), ("application/json", "application/x-json+ld"),
          "JSON_LD", _FORMATS_NS + "JSON-LD"),
    Offer("application/rdf+xml", ("rdfxml", "rdf+xml", "rdf", "xml"), ("application/xml", "text/xml"), "RDF_XML",
          _FORMATS_NS + "RDF_XML"),
    Offer("application/trig", ("trig",), (), "TRIG", _FORMATS_NS + "TriG"),
    Offer("application/n-quads", ("nq", "nquads", "n-quads"), (), "N_QUADS", _FORMATS_NS + "N-Quads"),
)


class NotAcceptable(ValueError):
    """Nothing the client accepts (or the `format` it named) can be produced for this answer."""

    def __init__(self, offers: tuple[Offer, ...], asked: str):
        available = ", ".join(f"{o.media} (format={o.names[0]})" for o in offers)
        super().__init__(f"cannot answer in {asked}; available: {available}")


@dataclass(frozen=True)
class MediaRange:
    type: str
    subtype: str
    q: float

    @property
    def specificity(self) -> int:
        return (self.type != "*") + (self.subtype != "*")

    def matches(self, media: str) -> bool:
        kind, _, sub = media.partition("/")
        return self.type in ("*", kind) and self.subtype in ("*", sub)


def parse_accept(header: str | None) -> list[MediaRange]:
    """The media ranges of an Accept header; ranges with an unreadable q-value are ignored."""
    ranges = []
    for item in (header or "").split(","):
        media, *params = (part.strip() for part in item.split(";"))
        kind, slash, sub = media.lower().partition("/")
        if not slash or not kind or not sub or (kind == "*" and sub != "*"):
            continue
        q = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value.strip())
                except ValueError:
                    q = -1.0
        if 0.0 <= q <= 1.0:
            ranges.append(MediaRange(kind, sub, q))
    return ranges


def quality(ranges: list[MediaRange], media: str) -> float:
    """q of the most specific range matching `media` (RFC 9110 §12.5.1), 0 when none does."""
    matching = [r for r in ranges if r.matches(media)]
    if not matching:
        return 0.0
    best = max(r.specificity for r in matching)
    return max(r.q for r in matching if r.specificity == best)


def by_format_name(offers: tuple[Offer, ...], name: str) -> Offer | None:
    """The offer a `format` value names, by short name or by media type."""
    wanted = name.strip().lower()
    for offer in offers:
        if wanted in offer.names or wanted == offer.media:
            return offer
    for offer in offers:
        if wanted in offer.aliases:
            return offer
    return None


def negotiate(offers: tuple[Offer, ...], accept: str | None, format_name: str | None = None) -> Offer:
    """Pick the offer for a request: `format` wins over Accept; ties go to server order.

    A missing or empty Accept means anything; raises `NotAcceptable` when nothing fits.
    """
    if format_name:
        chosen = by_format_name(offers, format_name)
        if chosen is None:
            raise NotAcceptable(offers, f"format={format_name!r}")
        return chosen
    if not accept or not accept.strip():
        return offers[0]
    ranges = parse_accept(accept)
    best, best_q = None, 0.0
    for offer in offers:
        # Aliases count only when named exactly: text/* must not pick JSON for being text/javascript.
        exact = [r.q for r in ranges if r.specificity == 2 and f"{r.type}/{r.subtype}" in offer.aliases]
        q = max([quality(ranges, offer.media), *exact])
        if q > best_q:
            best, best_q = offer, q
    if best is None:
        raise NotAcceptable(offers, f"Accept: {accept}")
    return best
