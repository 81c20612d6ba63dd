"""The `seckg` command: validate the sources, ask named questions, count, and serve.

Exit codes are part of the interface, so scripts and CI can tell outcomes
apart: 0 fine, 1 the graph does not conform to the shapes, 2 the sources
(or the command line) could not be read.
"""

from __future__ import annotations

import logging
import sys

import click
import pyoxigraph as ox

from seckg import reporting, results
from seckg.config import Config
from seckg.loading import LoadedGraph, load
from seckg.named_queries import ParamError, QueryHeaderError, load_named_queries
from seckg.namespaces import display_prefixes, shorten
from seckg.sparql_guard import QueryRejected
from seckg.store import GraphStore
from seckg.validation import ShapesError, ValidationReport
from seckg.validation import validate as run_validation
from seckg.web import create_app

EXIT_OK, EXIT_INVALID, EXIT_UNREADABLE = 0, 1, 2


def _load_or_exit(config: Config) -> LoadedGraph:
    """Load the sources; on parse errors print each as file:line:column and exit 2."""
    loaded = load(config)
    if loaded.problems:
        for problem in loaded.problems:
            click.echo(str(problem), err=True)
        click.echo(f"{len(loaded.problems)} file(s) could not be read", err=True)
        sys.exit(EXIT_UNREADABLE)
    return loaded


def _validate_or_exit(loaded: LoadedGraph) -> ValidationReport:
    """Validate; if the shapes themselves are unusable, say why and exit 2."""
    try:
        return run_validation(loaded)
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
@click.pass_obj
def validate(config: Config, fmt: str) -> None:
    """Check ontology and data against the SHACL shapes (exit 0 conforms, 1 violations, 2 unreadable)."""
    report = _validate_or_exit(_load_or_exit(config))
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
    if isinstance(answer, ox.QueryTriples):
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


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.pass_obj
def serve(config: Config, host: str, port: int) -> None:
    """Load and validate, then serve; refuses to start on a graph that does not conform."""
    loaded = _load_or_exit(config)
    report = _validate_or_exit(loaded)
    if not report.conforms:
        click.echo(reporting.render(report, "human"), err=True, nl=False)
        click.echo("not serving a graph that does not conform", err=True)
        sys.exit(EXIT_INVALID)
    app = create_app(config, store=GraphStore.from_loaded(loaded))
    app.run(host=host, port=port, debug=False, use_reloader=False)
