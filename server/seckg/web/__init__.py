"""The Flask application: one factory, one blueprint per concern of the public interface."""

from __future__ import annotations

from flask import Flask

from seckg.config import Config
from seckg.loading import load
from seckg.reporting import render_human
from seckg.store import GraphStore
from seckg.validation import ShapesError, validate


class NotServable(RuntimeError):
    """The sources cannot be read or do not conform, so there is nothing fit to serve."""


def _validated_store(config: Config) -> GraphStore:
    loaded = load(config)
    if loaded.problems:
        raise NotServable("\n".join(str(p) for p in loaded.problems))
    try:
        report = validate(loaded)
    except ShapesError as error:
        raise NotServable(str(error)) from error
    if not report.conforms:
        raise NotServable(render_human(report))
    return GraphStore.from_loaded(loaded)


def create_app(config: Config | None = None, store: GraphStore | None = None) -> Flask:
    """Build the app for `config` (default: from the environment).

    Pass `store` when the caller has already loaded and validated the graph
    (as `seckg serve` does); otherwise the sources are loaded and validated
    here and `NotServable` is raised if they are not fit to serve.
    """
    config = config or Config.from_env()
    app = Flask(__name__)
    app.extensions["seckg.config"] = config
    app.extensions["seckg.store"] = store if store is not None else _validated_store(config)

    from seckg.web.sparql import bp as sparql_bp

    app.register_blueprint(sparql_bp)
    return app


def current_store() -> GraphStore:
    """The store of the app handling the current request."""
    from flask import current_app

    return current_app.extensions["seckg.store"]
