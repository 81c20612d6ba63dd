"""Security headers: a Content-Security-Policy on pages, nosniff and a referrer policy everywhere.

The pages run only scripts served from /assets/ (no inline script, no eval), so
an injected <script> in some data value could not run even if escaping failed.
Styles may be inline: the pages carry their small stylesheet, and YASGUI's
column resizer writes a <style> element. Queries go to this server only
(connect-src 'self'), which also keeps the editor from calling out of the
machine. Headers a handler set itself are left as they are.
"""

from __future__ import annotations

from flask import Flask, Response

CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'self'",
))


def install(app: Flask) -> None:
    @app.after_request
    def security_headers(response: Response) -> Response:
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        if response.mimetype in ("text/html", "application/xhtml+xml"):
            response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        return response
