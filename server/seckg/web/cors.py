"""Cross-origin access for browser clients: simple requests and preflight, for configured origins.

An open knowledge graph is meant to be queried from other sites' pages, so the
default is every origin ("*"); operators can narrow it to a list. Nothing is
allowed with credentials, since the endpoint has no cookies or logins to protect.

The write routes also allow PUT and DELETE and the Authorization header, so a
page on another site can write with a token its user gives it. That is safe
because the token is a bearer token the page's script must itself hold and
set: a browser never adds it on its own (unlike a cookie), so a hostile page
cannot make a visitor's browser write, which is what CORS with credentials
would have to guard against.
"""

from __future__ import annotations

from flask import Flask, Response, request

ALLOWED_METHODS = ("GET", "POST")
ALLOWED_HEADERS = {"accept", "accept-language", "content-language", "content-type"}
WRITE_PATHS = ("/update", "/data", "/writes/log")
WRITE_METHODS = ("GET", "POST", "PUT", "DELETE")
EXPOSED_HEADERS = "Content-Type, Content-Length, Retry-After, Vary, X-Seckg-Generation"


def _allowed_origin(origins: tuple[str, ...], origin: str) -> str | None:
    if "*" in origins:
        return "*"
    return origin if origin in origins else None


def install(app: Flask, origins: tuple[str, ...]) -> None:
    """Answer preflights before routing and add CORS headers to every response to an allowed origin."""

    @app.before_request
    def preflight():
        if request.method != "OPTIONS" or "Access-Control-Request-Method" not in request.headers:
            return None
        origin = request.headers.get("Origin", "")
        allowed = _allowed_origin(origins, origin)
        wanted = request.headers["Access-Control-Request-Method"].upper()
        headers = {h.strip().lower() for h in request.headers.get("Access-Control-Request-Headers", "").split(",")}
        headers.discard("")
        writes = request.path in WRITE_PATHS
        methods = WRITE_METHODS if writes else ALLOWED_METHODS
        refused = headers - ALLOWED_HEADERS - ({"authorization"} if writes else set())
        if allowed is None or wanted not in methods or refused:
            reason = (f"origin {origin!r} is not allowed" if allowed is None
                      else f"method {wanted} is not allowed" if wanted not in methods
                      else f"request header(s) {', '.join(sorted(refused))} not allowed")
            return Response(f"CORS preflight refused: {reason}\n", status=403, content_type="text/plain; charset=utf-8")
        response = Response(status=204)
        response.headers["Access-Control-Allow-Methods"] = ", ".join((*methods, "OPTIONS"))
        if headers:
            response.headers["Access-Control-Allow-Headers"] = ", ".join(sorted(headers))
        response.headers["Access-Control-Max-Age"] = "86400"
        return response

    @app.after_request
    def add_headers(response: Response) -> Response:
        origin = request.headers.get("Origin")
        allowed = _allowed_origin(origins, origin) if origin else None
        if allowed:
            response.headers["Access-Control-Allow-Origin"] = allowed
            response.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
        if "*" not in origins:
            response.vary.add("Origin")
        return response
