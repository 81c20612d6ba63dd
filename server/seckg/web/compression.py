"""gzip for text answers: pages, JSON, SPARQL results and RDF, for clients that accept it.

Done by Flask-Compress, set up so that:
- only gzip is offered (every HTTP client reads it; one encoding keeps one set of bodies);
- streamed responses are left alone: the dump files (already offered as .gz, served from disk
  with byte ranges) and the write log are never read into memory to be compressed;
- a strong ETag gets the encoding appended (`"abc"` becomes `"abc:gzip"`), so the gzipped body
  never shares a strong validator with the identity body; a weak one (the query answers'
  `W/"…"`, see answer_cache) names the same content in either encoding and is kept, so a
  conditional GET is still answered 304 before the query runs;
- every answer that may be compressed (a text type, 2xx or 304, not streamed) says
  `Vary: Accept-Encoding`, and conditional requests are evaluated again on the compressed answer.
Bodies under 500 bytes are sent as they are: gzip would save little or make them longer. So
are bodies over 8 MiB (query answers go up to 64 MiB): gzip takes about 0.1 s of CPU per
1.5 MB here, and a cached answer asked for again and again must not cost seconds each time;
Flask-Compress has no upper bound, so its hook is called from this one. Static assets are
compressed once in assets.py and carry their own Content-Encoding, which this leaves as it is.
"""

from __future__ import annotations

from flask import Flask, Response
from flask_compress import Compress

from seckg.web.ontology_docs import OWL_XML
from seckg.web.protocol import GRAPH_OFFERS, RESULT_OFFERS
from seckg.web.resources import HTML

MIN_BYTES = 500
MAX_BYTES = 8 * 2**20
# What the server writes as text: pages, the JSON of /api, /store/status and VoID, plain-text
# errors, and every format a query answer or a description may be in.
COMPRESSED_TYPES = frozenset(
    {"text/plain", "application/json", "application/xml", "text/xml", "text/css", "text/javascript",
     "application/javascript", "image/svg+xml", HTML.media, OWL_XML.media}
    | {offer.media for offer in (*RESULT_OFFERS, *GRAPH_OFFERS)}
)


def install(app: Flask) -> None:
    app.config.update(
        COMPRESS_ALGORITHM=["gzip"],
        COMPRESS_MIMETYPES=COMPRESSED_TYPES,
        COMPRESS_MIN_SIZE=MIN_BYTES,
        COMPRESS_STREAMS=False,
        COMPRESS_EVALUATE_CONDITIONAL_REQUEST=True,
        COMPRESS_REGISTER=False,  # called from compress_text below
    )
    compress = Compress(app)

    @app.after_request
    def compress_text(response: Response) -> Response:
        """Only answers that may be compressed say they vary with Accept-Encoding: not redirects,
        errors, or the streamed files."""
        status = response.status_code
        if response.is_streamed or response.mimetype not in COMPRESSED_TYPES or not (200 <= status < 300 or status == 304):
            return response
        if response.content_length is not None and response.content_length > MAX_BYTES:
            response.vary.add("Accept-Encoding")
            return response
        return compress.after_request(response)
