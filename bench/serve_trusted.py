"""Serve a synthetic graph the way `seckg serve` does, without validating it first.

Above `make bench`'s --shacl-max the benchmark starts the server with this, so that start to
ready compares loading with Oxigraph's loading (full validation adds about a minute at 1M
triples; `make bench-validation` times it on its own): the same app, store, gunicorn
workers and query children as `seckg serve`, on files from the generator whose output is
validated at the smaller sizes. `--build-store DIR` writes the on-disk store (with the sources'
fingerprint) and exits, so that `seckg serve --store DIR` then starts as on any restart. Start
figures taken this way leave validation out, and the report says so.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from seckg.config import Config
from seckg.loading import load
from seckg.disk_store import build_on_disk
from seckg.store import GraphStore
from seckg.web import create_app, production
from seckg.web.settings import EndpointSettings


def _readable(loaded) -> bool:
    for problem in loaded.problems:
        print(problem, file=sys.stderr)
    return loaded.ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, required=True)
    parser.add_argument("--port", type=int)
    parser.add_argument("--build-store", type=Path)
    args = parser.parse_args()
    config = Config(root=args.root)
    if args.build_store:
        return 0 if build_on_disk(config, args.build_store, _readable) else 2
    loaded = load(config)
    if not _readable(loaded):
        return 2
    settings = EndpointSettings.from_env()
    app = create_app(config, store=GraphStore.from_loaded(loaded), settings=settings)
    production.run(app, "127.0.0.1", args.port, production.default_workers(), 4, settings.timeout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
