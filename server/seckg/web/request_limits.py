"""Refuses an oversized request body (413) before any route reads it.

Flask enforces MAX_CONTENT_LENGTH only when a view reads the body, so a route
that answers without reading it (a 405, a 415, a write refused for its token)
would otherwise still let a client stream megabytes at the server. A declared
Content-Length over the limit is refused here, for every route and method;
a chunked body without a length is still capped by Flask as it is read.
"""

from __future__ import annotations

from flask import Flask, request
from werkzeug.exceptions import RequestEntityTooLarge


def install(app: Flask, max_bytes: int) -> None:
    @app.before_request
    def refuse_oversized_body():
        if request.content_length is not None and request.content_length > max_bytes:
            raise RequestEntityTooLarge(
                f"the request body is {request.content_length} bytes; this server accepts at most {max_bytes}"
            )
