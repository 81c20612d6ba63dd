"""The `seckg` command: validate the sources, ask named questions, count, and serve.

Exit codes are part of the interface, so scripts and CI can tell outcomes
apart: 0 fine, 1 the graph does not conform to the shapes, 2 the sources
(or the command line) could not be read, 3 a remote store could not be
reached or refused what was sent.
"""

from __future__ import annotations

import logging
import multiprocessing
import sys
from pathlib import Path

import click
import pyoxigraph as ox

from seckg import reporting, results
from seckg.config import Config
from seckg.loading import LoadedGraph, load
from seckg.named_queries import ParamError, QueryHeaderError, load_named_queries
from seckg.namespaces import display_prefixes, shorten
from seckg.sparql_guard import QueryRejected
from seckg.store import GraphStore, is_graph_answer
from seckg.validation import DEFAULT_ENGINE, ENGINES, ShapesError, ValidationReport
from seckg.validation import validate as run_validation
from seckg.write_limits import DEFAULT_RATE
from seckg.web import create_app

EXIT_OK, EXIT_INVALID, EXIT_UNREADABLE, EXIT_REMOTE = 0, 1, 2, 3


def _load_or_exit(config: Config) -> LoadedGraph:
    """Load the sources; on parse errors print each as file:line:column and exit 2."""
    loaded = load(config)
    _exit_on_problems(loaded)
    return loaded


def _exit_on_problems(loaded: LoadedGraph) -> None:
    if loaded.problems:
        for problem in loaded.problems:
            click.echo(str(problem), err=True)
        click.echo(f"{len(loaded.problems)} file(s) could not be read", err=True)
        sys.exit(EXIT_UNREADABLE)


def _validate_or_exit(loaded: LoadedGraph, engine: str = DEFAULT_ENGINE, check=None) -> ValidationReport:
    """Validate (in full, or with `check`); if the shapes themselves are unusable, say why and exit 2."""
    try:
        return check(loaded) if check is not None else run_validation(loaded, engine)
    except ShapesError as error:
        click.echo(str(error), err=True)
        sys.exit(EXIT_UNREADABLE)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--root",
    type=click.Path(file_okay=False, exists=True),
    help="Repository root (default: $SECKG_ROOT or found from the current directory).",
)
@click.option("--base", help="Base IRI (default: $SECKG_BASE or https://w3id.org/seckg/).")
@click.pass_context
def main(ctx: click.Context, root: str | None, base: str | None) -> None:
    """Build, check and serve the seckg knowledge graph."""
    # rdflib logs a traceback for every ill-typed literal; the shapes report those properly.
    logging.getLogger("rdflib.term").setLevel(logging.ERROR)
    ctx.obj = Config.from_env(root=root, base=base)


@main.command()
@click.option("--format", "fmt", type=click.Choice(reporting.FORMATS), default="human", show_default=True)
@click.option("--engine", type=click.Choice(ENGINES), default=DEFAULT_ENGINE, show_default=True,
              help="setwise: fast, on the Oxigraph store; pyshacl: the reference engine (same findings).")
@click.pass_obj
def validate(config: Config, fmt: str, engine: str) -> None:
    """Check ontology and data against the SHACL shapes (exit 0 conforms, 1 violations, 2 unreadable)."""
    report = _validate_or_exit(_load_or_exit(config), engine)
    click.echo(reporting.render(report, fmt), nl=False)
    sys.exit(EXIT_OK if report.conforms else EXIT_INVALID)


def _parse_params(pairs: tuple[str, ...]) -> dict[str, str]:
    values = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"expected KEY=VALUE, got {pair!r}", param_hint="--param")
        values[key.strip()] = value
    return values


@main.command()
@click.argument("name", required=False)
@click.option(
    "--param", "-p", "pairs", multiple=True, metavar="KEY=VALUE", help="A query parameter; repeat for each."
)
@click.option("--format", "fmt", type=click.Choice(results.FORMATS), default="table", show_default=True)
@click.option("--list", "list_queries", is_flag=True, help="List the named queries and exit.")
@click.pass_obj
def query(config: Config, name: str | None, pairs: tuple[str, ...], fmt: str, list_queries: bool) -> None:
    """Run the named query NAME (a file queries/NAME.rq).

    SELECT and ASK answers are written in --format; CONSTRUCT and DESCRIBE
    answers are always Turtle.
    """
    try:
        catalog = load_named_queries(config.queries_dir)
    except QueryHeaderError as error:
        click.echo(str(error), err=True)
        sys.exit(EXIT_UNREADABLE)
    if list_queries:
        width = max((len(n) for n in catalog), default=0)
        for key, named in catalog.items():
            click.echo(f"{key.ljust(width)}  {named.title}")
        return
    if not name:
        raise click.UsageError("give a query NAME, or --list to see them")
    if name not in catalog:
        raise click.UsageError(f"no query named {name!r}; known: {', '.join(catalog) or 'none'}")
    named = catalog[name]
    try:
        sparql = named.bind(_parse_params(pairs))
    except ParamError as error:
        raise click.UsageError(str(error)) from None
    loaded = _load_or_exit(config)
    prefixes = display_prefixes(config.base, loaded.prefixes)
    try:
        answer = GraphStore.from_loaded(loaded).query(sparql)
    except (SyntaxError, QueryRejected) as error:
        click.echo(f"{named.path or name}: {error}", err=True)
        sys.exit(EXIT_UNREADABLE)
    if is_graph_answer(answer):
        click.echo(ox.serialize(answer, format=ox.RdfFormat.TURTLE, prefixes=prefixes).decode(), nl=False)
        return
    click.echo(results.render(results.ResultTable.from_query(answer), fmt, prefixes), nl=False)


@main.command()
@click.pass_obj
def stats(config: Config) -> None:
    """Triples per named graph (source file), instances per class, and the total."""
    loaded = _load_or_exit(config)
    store = GraphStore.from_loaded(loaded)
    prefixes = display_prefixes(config.base, loaded.prefixes)
    per_graph = store.triples_per_graph()
    click.echo("Triples per graph:")
    for graph, count in per_graph.items():
        source = loaded.graphs.get(graph)
        click.echo(f"  {count:>8}  {source.as_posix() if source else graph}")
    click.echo("Instances per class:")
    for cls, count in store.instances_per_class().items():
        click.echo(f"  {count:>8}  {shorten(cls, prefixes)}")
    click.echo(f"Total: {sum(per_graph.values())} triples in {len(per_graph)} graphs")
    _echo_coverage(store)


def _echo_coverage(store: GraphStore) -> None:
    """Coverage of the membership histories (see README, Coverage)."""
    from seckg.importers.coverage import coverage_lines

    click.echo("Coverage:")
    for line in coverage_lines(store):
        click.echo(line)


def _servable_loaded(config: Config, refusal: str = "not serving a graph that does not conform") -> LoadedGraph:
    """Load and validate, exiting (1 or 2) on a graph that is not fit to serve."""
    loaded = _load_or_exit(config)
    _servable(loaded, refusal)
    return loaded


def _servable(loaded: LoadedGraph, refusal: str = "not serving a graph that does not conform", check=None) -> bool:
    """Whether the loaded graph is fit to serve; exits (1 or 2), saying why, if it is not.
    `check(loaded)` validates instead of a full validation (an update of an on-disk store)."""
    _exit_on_problems(loaded)
    report = _validate_or_exit(loaded, check=check)
    if not report.conforms:
        click.echo(reporting.render(report, "human"), err=True, nl=False)
        click.echo(refusal, err=True)
        sys.exit(EXIT_INVALID)
    return True


@main.command()
@click.option("--format", "formats", multiple=True, help="A dump format: trig, nquads, turtle, ntriples, jsonld, "
              "rdfxml; repeat for several (default: all).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False),
              help="Directory to write seckg.<ext> and seckg.<ext>.gz into (created if missing).")
@click.option("--to-files", is_flag=True, help="Instead of dumps, write each data graph back to its file under "
              "data/ in canonical Turtle (files whose triples are unchanged are left alone).")
@click.option("--store", "store_dir", type=click.Path(file_okay=False, exists=True),
              help="With --to-files: the writable store of `seckg serve --store DIR` to take the graphs from "
                   "(safe while the server runs).")
@click.pass_obj
def export(config: Config, formats: tuple[str, ...], out_dir: str | None, to_files: bool,
           store_dir: str | None) -> None:
    """Write the dumps /dumps/ serves: the validated graph as TriG and N-Quads (named graphs kept) and
    as Turtle, N-Triples, JSON-LD and RDF/XML (their union), each also gzipped; or, with --to-files,
    bring data/ in line with the graphs of a writable store."""
    from pathlib import Path

    from seckg.web.dumps import BY_NAME, FORMATS, write_dumps

    if to_files == bool(out_dir):
        raise click.UsageError("give either --out DIR (dumps) or --to-files")
    if to_files:
        _export_to_files(config, store_dir)
        return
    unknown = [f for f in formats if f not in BY_NAME]
    if unknown:
        raise click.BadParameter(f"unknown format(s) {', '.join(unknown)}; known: {', '.join(BY_NAME)}",
                                 param_hint="--format")
    chosen = [BY_NAME[f] for f in formats] if formats else list(FORMATS)
    store = GraphStore.from_loaded(_servable_loaded(config))
    for name, entry in write_dumps(store, Path(out_dir), config.base, chosen).items():
        click.echo(f"{entry['size']:>12}  {Path(out_dir) / name}")


def _export_to_files(config: Config, store_dir: str | None) -> None:
    from pathlib import Path

    from seckg.export_files import export_to_files
    from seckg.live_store import LiveStore

    if store_dir is None:
        store = _load_or_exit(config).store
    else:
        live = LiveStore(Path(store_dir))
        if live.read_current() is None:
            click.echo(f"{store_dir} holds no writable store (made by `seckg serve --store DIR` with writes "
                       "or --watch)", err=True)
            sys.exit(EXIT_UNREADABLE)
        store = live.open_current().store
    outcomes = export_to_files(config, store)
    for outcome in outcomes:
        if outcome.action != "unchanged":
            click.echo(f"{outcome.action:>9}  {outcome.path.as_posix()}")
    changed = sum(o.action != "unchanged" for o in outcomes)
    click.echo(f"{changed} file(s) changed, {len(outcomes) - changed} unchanged", err=True)


@main.command("write-log")
@click.option("--store", "store_dir", required=True, type=click.Path(file_okay=False, exists=True),
              help="The store directory of `seckg serve --store DIR`.")
@click.option("--format", "fmt", type=click.Choice(["text", "jsonl"]), default="text", show_default=True)
@click.option("--changes", is_flag=True, help="With --format jsonl: include each change as N-Quads.")
def write_log(store_dir: str, fmt: str, changes: bool) -> None:
    """The writes accepted by the server and the reloads from the files: who, when, what."""
    import json
    from pathlib import Path

    from seckg.live_store import LiveStore
    from seckg.write_log import export_records, summary_line

    for record in export_records(LiveStore(Path(store_dir)), changes):
        click.echo(json.dumps(record, ensure_ascii=False) if fmt == "jsonl" else summary_line(record))


@main.command()
@click.argument("name")
def token(name: str) -> None:
    """Print a new write token line, NAME:TOKEN, to add to the file given to `serve --write-tokens`."""
    from seckg.write_auth import _NAME, new_token

    if not _NAME.match(name):
        raise click.BadParameter("letters, digits and . _ @ - only", param_hint="NAME")
    click.echo(f"{name}:{new_token()}")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", type=click.IntRange(min=1), help="Worker processes (default: one per core, 2 to 8).")
@click.option("--threads", type=click.IntRange(min=1), default=4, show_default=True,
              help="Connections each worker handles at once.")
@click.option("--dev", is_flag=True, help="Use the Flask development server (one process) instead of gunicorn.")
@click.option("--store", "store_dir", type=click.Path(file_okay=False),
              help="Keep the store on disk in this directory; a restart with unchanged sources skips loading.")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True),
              help="Query timeout in seconds (default: $SECKG_TIMEOUT or 30).")
@click.option("--max-response-bytes", type=click.IntRange(min=1), help="Refuse larger answers (default 64 MiB).")
@click.option("--query-slots", type=click.IntRange(min=1), help="Concurrent queries per worker (default 2).")
@click.option("--cors-origin", "cors_origins", multiple=True, help="Origin allowed by CORS; repeat (default: any).")
@click.option("--allow-service", multiple=True, help="SERVICE endpoint IRI queries may call; repeat (default: none).")
@click.option("--remote", metavar="URL", help="Serve the SPARQL 1.1 endpoint at URL instead of the files "
              "(default: $SECKG_REMOTE); fill it with `seckg load --to`.")
@click.option("--remote-union", is_flag=True, help="The remote's default graph already is the union of its "
              "graphs (e.g. oxigraph serve --union-default-graph): skip listing them in every query.")
@click.option("--write-tokens", type=click.Path(dir_okay=False), envvar="SECKG_WRITE_TOKENS_FILE",
              help="Accept writes (/update, /data) from the bearer tokens in this file, one name:token a line; "
                   "needs --store.")
@click.option("--default-graph", metavar="data/PATH.ttl",
              help="The data file that takes triples written to the default graph (default: they are refused).")
@click.option("--write-rate", metavar="N/PERIOD", envvar="SECKG_WRITE_RATE", default=DEFAULT_RATE, show_default=True,
              help="Writes each token may make (and refused attempts each address may make), e.g. 5/10s, "
                   "1000/h, or off; more get 429 with Retry-After.")
@click.option("--watch", is_flag=True, help="Reload ontology/, shapes/ and data/ when they change on disk, "
                                            "switching only to a graph that loads and conforms.")
@click.option("--watch-interval", type=click.FloatRange(min=0.05), default=1.0, show_default=True,
              help="Seconds between two looks at the files.")
@click.pass_obj
def serve(config: Config, host: str, port: int, workers: int | None, threads: int, dev: bool,
          store_dir: str | None, timeout: float | None, max_response_bytes: int | None,
          query_slots: int | None, cors_origins: tuple[str, ...], allow_service: tuple[str, ...],
          remote: str | None, remote_union: bool,
          write_tokens: str | None, default_graph: str | None, write_rate: str, watch: bool,
          watch_interval: float) -> None:
    """Load and validate, then serve with gunicorn; refuses to start on a graph that does not conform.

    With --remote the graphs are read from that endpoint (validated when they were pushed)."""
    from seckg.disk_store import disk_stats, open_on_disk
    from seckg.web.settings import EndpointSettings

    settings = EndpointSettings.from_env(
        timeout=timeout, max_response_bytes=max_response_bytes, query_slots=query_slots,
        cors_origins=cors_origins or None, allow_service=allow_service or None,
    )
    remote = remote or config.remote
    if remote and (store_dir or write_tokens or watch):
        raise click.UsageError("--store, --write-tokens and --watch work on the embedded store; "
                               "they cannot be combined with --remote")
    if write_tokens or watch:
        from seckg.live_serving import live_app

        with live_app(config, settings, store_dir, write_tokens, default_graph, watch, watch_interval,
                      write_rate) as app:
            _run(app, host, port, dev, workers, threads, settings.timeout)
        return
    if remote:
        from seckg.web import NotServable, remote_store

        try:
            store = remote_store(remote, settings, remote_union or config.remote_union)
            app = create_app(config, store=store, settings=settings)
        except NotServable as error:
            click.echo(f"cannot serve {remote}: {error}", err=True)
            sys.exit(EXIT_REMOTE)
    elif store_dir:
        _prepare_on_disk(config, store_dir)
        app = create_app(config, settings=settings, open_store=lambda: open_on_disk(store_dir),
                         stats=disk_stats(store_dir), dumps_dir=Path(store_dir) / "dumps")
    else:
        app = create_app(config, store=GraphStore.from_loaded(_servable_loaded(config)), settings=settings)
    _run(app, host, port, dev, workers, threads, settings.timeout)


def _prepare_on_disk(config: Config, store_dir: str) -> None:
    """Build the on-disk store, or bring it in line with the files that changed, or leave it be;
    exit (1 or 2, saying why) if the files are not fit to serve."""
    from seckg.disk_store import build_on_disk, plan, update_on_disk

    planned = plan(config, Path(store_dir))
    if planned.action == "serve":
        click.echo(f"sources unchanged: serving the store in {store_dir} as built", err=True)
        return

    def prepare() -> None:
        if planned.action == "build":
            build_on_disk(config, store_dir, _servable, planned.hashes)
            click.echo(f"built the store in {store_dir}", err=True)
        else:
            done = update_on_disk(config, store_dir, planned, lambda loaded, check: _servable(loaded, check=check))
            click.echo(done.summary(store_dir), err=True)

    # In a child process: this one forks the workers and must never have opened RocksDB.
    child = multiprocessing.get_context("fork").Process(target=prepare)
    child.start()
    child.join()
    if child.exitcode in (EXIT_INVALID, EXIT_UNREADABLE):
        sys.exit(child.exitcode)  # the child said why
    if child.exitcode != 0:
        click.echo(f"could not {planned.action} the store in {store_dir}", err=True)
        sys.exit(EXIT_UNREADABLE)


def _run(app, host: str, port: int, dev: bool, workers: int | None, threads: int, timeout: float) -> None:
    if dev:
        app.run(host=host, port=port, debug=False, use_reloader=False, threaded=True)
        return
    from seckg.web import production

    production.run(app, host, port, workers or production.default_workers(), threads, timeout)


@main.command("load")
@click.option("--to", "target", required=True, metavar="URL",
              help="The store's Graph Store Protocol endpoint (oxigraph serve: http://HOST:7878/store; "
              "Fuseki: http://HOST:3030/DATASET/data), or with --update its SPARQL Update endpoint.")
@click.option("--update", "use_update", is_flag=True,
              help="Use SPARQL Update (DROP SILENT GRAPH, INSERT DATA) instead of the Graph Store Protocol.")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=120.0, show_default=True,
              help="Seconds to wait for the store to take one graph.")
@click.option("--shapes", "with_shapes", is_flag=True, help="Also push shapes/*.ttl, one graph each; they then "
              "count in the union default graph, which the embedded store leaves them out of.")
@click.pass_obj
def load_to(config: Config, target: str, use_update: bool, timeout: float, with_shapes: bool) -> None:
    """Validate, then write the ontology and data to a remote store, one named graph per file.

    Graph IRIs are those of the embedded store, so `seckg serve --remote` answers as over the
    files. Each graph is replaced whole; exit 3 if the store cannot be reached or refuses a graph."""
    import time

    from seckg.push import PushFailed, graph_count, push

    loaded = _servable_loaded(config, "not loading a graph that does not conform into the store")
    started, graphs, triples = time.monotonic(), 0, 0
    try:
        for done in push(loaded, target, use_update=use_update, timeout=timeout, with_shapes=with_shapes):
            graphs, triples = graphs + 1, triples + done.triples
            click.echo(f"{done.status}  {done.triples:>8}  {done.graph}")
    except PushFailed as error:
        click.echo(f"load failed after {graphs} of {graph_count(loaded, with_shapes)} graph(s): {error}", err=True)
        sys.exit(EXIT_REMOTE)
    click.echo(f"loaded {triples} triples in {graphs} graphs into {target} in {time.monotonic() - started:.1f} s")


@main.command("fmt")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, dir_okay=False))
@click.option("--check", is_flag=True, help="Write nothing; list the files not in canonical form and exit 1 if any.")
@click.option("--comments-from", metavar="REV", help="For a file without comments (saved by Protégé), take "
              "the comments and sections of its version at git revision REV, e.g. HEAD.")
@click.pass_obj
def fmt(config: Config, paths: tuple[str, ...], check: bool, comments_from: str | None) -> None:
    """Rewrite the Turtle of ontology/, shapes/ and data/ (or PATHS) in canonical form, comments kept."""
    from pathlib import Path

    from seckg.formatting import format_file, turtle_files

    files = [Path(p).resolve() for p in paths] or turtle_files(config)
    results = [format_file(config, path, write=not check, comments_from=comments_from) for path in files]
    for result in results:
        if result.error:
            click.echo(result.error, err=True)
        elif result.changed:
            dropped = f" (without the {result.generated} comment lines the OWL API wrote)" if result.generated else ""
            click.echo(f"{'not in canonical form' if check else 'reformatted'}: {result.path}{dropped}")
    errors = sum(1 for r in results if r.error)
    changed = sum(1 for r in results if r.changed)
    click.echo(f"{len(results)} file(s): {changed} {'to reformat' if check else 'reformatted'}, "
               f"{errors} unreadable", err=True)
    sys.exit(EXIT_UNREADABLE if errors else EXIT_INVALID if check and changed else EXIT_OK)


@main.command("import")
@click.option("--check", is_flag=True, help="Write nothing; exit 1 if a generated file would change.")
@click.pass_obj
def import_(config: Config, check: bool) -> None:
    """Rebuild data/generated/ from data/raw/ and data/curated/ and report source conflicts."""
    from seckg.importers import run_import, write

    try:
        result = run_import(config.root)
    except (KeyError, ValueError) as error:
        click.echo(f"import failed: {error}", err=True)
        sys.exit(EXIT_UNREADABLE)
    for conflict in result.conflicts:
        click.echo(conflict.line())
    click.echo(f"{len(result.build.spells)} spells in {len(result.files) - 1} files; {len(result.conflicts)} conflict(s)")
    if check:
        stale = [rel for rel, text in sorted(result.files.items())
                 if not (config.root / rel).exists() or (config.root / rel).read_text(encoding="utf-8") != text]
        for rel in stale:
            click.echo(f"out of date: {rel}", err=True)
        sys.exit(EXIT_INVALID if stale else EXIT_OK)
    for path in write(config.root, result):
        click.echo(f"wrote {path.relative_to(config.root)}", err=True)
