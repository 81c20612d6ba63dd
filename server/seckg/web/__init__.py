"""The Flask application: one factory, one blueprint per concern of the public interface."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from flask import Flask
from werkzeug.exceptions import HTTPException

from seckg.config import Config
from seckg.executor import QueryRunner
from seckg.loading import load
from seckg.named_queries import QueryHeaderError, load_named_queries
from seckg.reporting import why_not_servable
from seckg.store import GraphStore, StoreUnavailable
from seckg.web.settings import EndpointSettings


class NotServable(RuntimeError):
    """The sources cannot be read or do not conform, so there is nothing fit to serve."""


def _validated_store(config: Config) -> GraphStore:
    loaded = load(config)
    refusal = why_not_servable(loaded)
    if refusal is not None:
        raise NotServable(refusal)
    return GraphStore.from_loaded(loaded)


def remote_store(endpoint: str, settings: EndpointSettings, union_default: bool = False) -> GraphStore:
    """The SPARQL endpoint at `endpoint` as the app's store, with the endpoint's limits."""
    from seckg.remote import RemoteStore

    # The query process is killed at settings.timeout; the socket gives up a little later on its own.
    return RemoteStore(endpoint, timeout=settings.timeout + 5, max_bytes=settings.max_response_bytes,
                       union_default=union_default)


def create_app(
    config: Config | None = None,
    store: GraphStore | None = None,
    settings: EndpointSettings | None = None,
    open_store: Callable[[], GraphStore] | None = None,
    stats: tuple[dict[str, int], int] | None = None,
    writes=None,
    dumps_dir: Path | None = None,
) -> Flask:
    """Build the app for `config` (default: from the environment).

    Pass `store` when the caller has already loaded and validated the graph
    (as `seckg serve` does); otherwise the store is the remote endpoint of
    `config.remote` if set, else the sources are loaded and validated here and
    `NotServable` is raised if they are not fit to serve. Queries run
    in child processes that get their store from `open_store` (default: the
    forked copy of `store`; an on-disk store passes a function that opens it,
    and its `stats` (triples per graph, triples in the union) instead of a store).
    `writes` (a `seckg.web.writes.WriteAccess`) enables /update and writes at /data.
    `dumps_dir` keeps the dumps across restarts (beside an on-disk store).
    """
    config = config or Config.from_env()
    settings = settings or EndpointSettings.from_env()
    if store is None and open_store is None:
        store = (remote_store(config.remote, settings, config.remote_union) if config.remote
                 else _validated_store(config))
    app = Flask(__name__)
    app.config.update(
        MAX_CONTENT_LENGTH=settings.max_request_bytes, MAX_FORM_MEMORY_SIZE=settings.max_request_bytes
    )
    app.extensions["seckg.config"] = config
    app.extensions["seckg.settings"] = settings
    # An on-disk store is opened only by the query processes: a process that has opened RocksDB
    # must not fork (its forked children crash when they exit).
    app.extensions["seckg.store"] = store if open_store is None else None
    try:
        graphs, union = stats if stats is not None else (store.triples_per_graph(), store.union_size())
    except StoreUnavailable as error:
        raise NotServable(str(error)) from error
    app.extensions["seckg.graphs"] = graphs
    app.extensions["seckg.default_triples"] = union
    view = writes.view if writes is not None else None
    from seckg.store import sources_fingerprint
    from seckg.web import answer_cache

    answer_cache.install(app)
    answer_cache.set_graph_fingerprint(app, sources_fingerprint(config), graphs, union)
    app.extensions["seckg.runner"] = QueryRunner(
        open_store or (lambda: store), slots=settings.query_slots, queue_wait=settings.queue_wait,
        generation=view.generation if view is not None else None,
    )

    try:
        app.extensions["seckg.named_queries"] = load_named_queries(config.queries_dir)
    except QueryHeaderError as error:
        raise NotServable(str(error)) from error

    from seckg.web import compression, cors, request_limits, security_headers
    from seckg.web.assets import bp as assets_bp
    from seckg.web.editor import bp as editor_bp
    from seckg.web.home import bp as home_bp
    from seckg.web.search import bp as search_bp
    from seckg.web.timeline import bp as timeline_bp
    from seckg.web.api import bp as api_bp
    from seckg.web.dumps import bp as dumps_bp
    from seckg.web.dumps import build_for_app
    from seckg.web.ontology_docs import bp as ontology_bp
    from seckg.web.resources import bp as resources_bp
    from seckg.web.void import bp as void_bp
    from seckg.web.sparql import bp as sparql_bp
    from seckg.web.sparql import error_response
    from seckg.web.writes import install as install_writes

    cors.install(app, settings.cors_origins)
    security_headers.install(app)
    compression.install(app)
    request_limits.install(app, settings.max_request_bytes)
    install_writes(app, writes)
    app.register_blueprint(sparql_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(dumps_bp)
    app.register_blueprint(void_bp)
    app.register_blueprint(ontology_bp)
    for pages_bp in (home_bp, assets_bp, editor_bp, search_bp, timeline_bp):  # the web front door
        app.register_blueprint(pages_bp)
    app.register_blueprint(resources_bp)  # last: its catch-all route dereferences IRIs under the base
    # Dumps and dataset statistics are written when first asked for, once for every worker.
    app.extensions["seckg.dumps"] = build_for_app(app.extensions["seckg.runner"].open_store, config, dumps_dir,
                                                  store.modified(config) if store is not None else None)

    @app.errorhandler(HTTPException)
    def plain_error(error: HTTPException):
        """Werkzeug's errors (404, 405, 413…) as one line of text, keeping headers such as Allow."""
        headers = {k: v for k, v in error.get_response().headers.items() if k.lower() not in ("content-type", "content-length")}
        return error_response(error.code or 500, f"{error.code} {error.name}: {error.description}", headers)

    return app


def current_store() -> GraphStore:
    """The store of the app handling the current request."""
    from flask import current_app

    return current_app.extensions["seckg.store"]
