"""Requests refused for their credentials: told plainly, logged without the secret, counted per address.

A token belongs in the `Authorization` header. One put in the URL ends up in
proxy and server logs, browser history and Referer headers, so such a request
is refused (400) even when the token is right, and the operator is told by
name which token was exposed, so it can be replaced. Nothing a client sends as
a credential is ever written to the log: a refusal is logged as method, path
(without its query string), remote address and a reason this module words.
"""

from __future__ import annotations

import logging
import sys

from flask import Request

from seckg.write_auth import WriteTokens

log = logging.getLogger("seckg.writes")

# Parameter names clients and libraries use for a token in a URL or a form (RFC 6750 names access_token).
CREDENTIAL_PARAMETERS = frozenset({"access_token", "token", "bearer", "auth", "authorization", "api_key",
                                   "apikey", "api-key", "key", "password", "secret"})

HEADER_ADVICE = "send it in the header instead: Authorization: Bearer <token>"


def credentials_in_url(request: Request, tokens: WriteTokens | None) -> str | None:
    """Why the request carries a credential outside the Authorization header, or None.

    The reason names the parameter, and the token (by its name in the token file) when one of
    ours was sent, never the value."""
    names = {key for key in request.args if key.lower() in CREDENTIAL_PARAMETERS}
    if request.mimetype == "application/x-www-form-urlencoded" and request.method == "POST":
        names |= {key for key in request.form if key.lower() in CREDENTIAL_PARAMETERS}
    exposed = None
    if tokens is not None:
        for value in (v for key in request.args for v in request.args.getlist(key)):
            exposed = exposed or tokens.name_for(f"Bearer {value}")
    if not names and exposed is None:
        return None
    where = f"parameter(s) {', '.join(sorted(names))}" if names else "a parameter"
    return where + (f" holding the write token of {exposed!r}, which is now exposed and should be replaced"
                    if exposed else "")


def log_refusal(request: Request, why: str) -> None:
    log.warning("refused %s %s from %s: %s", request.method, request.path, request.remote_addr or "?", why)


def install_log() -> None:
    """Make refusals visible on stderr beside gunicorn's own messages (once per process)."""
    if log.handlers:
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("[seckg writes] %(levelname)s %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False
