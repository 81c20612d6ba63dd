"""Static files of the web pages (scripts, styles, the vendored YASGUI build) at /assets/.

Pages link an asset with `asset_url(name)`, which adds a hash of its content,
so a linked version can be cached for a year and a new build gets a new URL.
Text files are gzipped once per process for clients that accept it: the
YASGUI bundle is about 1 MB as shipped and about a quarter of that gzipped.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
from dataclasses import dataclass
from pathlib import Path

from flask import Blueprint, Response, request
from werkzeug.security import safe_join

from seckg.web.sparql import error_response

bp = Blueprint("assets", __name__)

ASSETS_DIR = Path(__file__).parent / "assets"
YEAR = 365 * 24 * 3600
_COMPRESSIBLE = ("text/", "application/javascript", "application/json", "image/svg+xml")


@dataclass(frozen=True)
class Asset:
    body: bytes
    gzipped: bytes | None
    digest: str
    media: str


_loaded: dict[str, Asset] = {}


def _media_type(path: Path) -> str:
    guessed = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return guessed + "; charset=utf-8" if guessed.startswith("text/") or guessed == "application/javascript" else guessed


def load_asset(name: str) -> Asset | None:
    """The asset `name` (a path under assets/), read once per process; None when there is none."""
    if name not in _loaded:
        joined = safe_join(str(ASSETS_DIR), name)
        if joined is None or not Path(joined).is_file():
            return None
        path = Path(joined)
        body = path.read_bytes()
        media = _media_type(path)
        packed = gzip.compress(body, 9, mtime=0) if media.startswith(_COMPRESSIBLE) else None
        _loaded[name] = Asset(body, packed, hashlib.sha256(body).hexdigest()[:16], media)
    return _loaded[name]


@bp.app_template_global()
def asset_url(name: str) -> str:
    """The URL of an asset with its content hash, for pages to link."""
    asset = load_asset(name)
    if asset is None:
        raise FileNotFoundError(f"no asset {name!r} in {ASSETS_DIR}")
    return f"{request.script_root}/assets/{name}?v={asset.digest}"


@bp.route("/assets/<path:name>")
def serve(name: str) -> Response:
    asset = load_asset(name)
    if asset is None:
        return error_response(404, f"404 Not Found: no asset {name!r}")
    wants_gzip = asset.gzipped is not None and "gzip" in request.headers.get("Accept-Encoding", "")
    response = Response(asset.gzipped if wants_gzip else asset.body, content_type=asset.media)
    if wants_gzip:
        response.headers["Content-Encoding"] = "gzip"
    if asset.gzipped is not None:
        response.vary.add("Accept-Encoding")
    response.set_etag(asset.digest + ("-gz" if wants_gzip else ""))
    # A URL naming this content's hash never changes; any other is revalidated every time.
    response.cache_control.public = True
    if request.args.get("v") == asset.digest:
        response.cache_control.max_age = YEAR
        response.cache_control.immutable = True
    else:
        response.cache_control.no_cache = True
    return response.make_conditional(request)
