"""Security headers on every response: a strict Content-Security-Policy, nosniff and a referrer policy.

Pages show text that came from data files (labels, quotes), so even if a value
ever reached the HTML unescaped, the browser must not run it: the default
policy allows scripts only from this server's own files, never inline ones.
Styles may be inline (the base template carries its stylesheet; YASGUI's column
resizer writes a <style> element). A page that
needs more (a self-hosted query editor, say) names its own policy with the
`content_security_policy` decorator instead of loosening every page.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, Response, current_app, request

DEFAULT_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",  # the query editor asks this server only, never another host
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))
REFERRER_POLICY = "strict-origin-when-cross-origin"
_ATTRIBUTE = "content_security_policy"


def content_security_policy(policy: str) -> Callable:
    """Give one view its own Content-Security-Policy (e.g. a page that loads a script bundle)."""

    def mark(view: Callable) -> Callable:
        setattr(view, _ATTRIBUTE, policy)
        return view

    return mark


def _policy_for_request() -> str:
    view = current_app.view_functions.get(request.endpoint or "")
    return getattr(view, _ATTRIBUTE, DEFAULT_POLICY)


def install(app: Flask) -> None:
    """Add the headers to every response; a header a view has set itself is left as it is."""

    @app.after_request
    def add_security_headers(response: Response) -> Response:
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", REFERRER_POLICY)
        response.headers.setdefault("Content-Security-Policy", _policy_for_request())
        return response
