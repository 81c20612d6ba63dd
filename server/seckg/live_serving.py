"""`seckg serve` with writes or --watch: start the writer process, then an app that follows its store.

Both need the graph to change while the server runs, so both use the writable
on-disk store (live_store.py) with one writer process (writer.py). Writes need
a store directory the operator chose, since an acknowledged write must survive
a restart; --watch alone may use a temporary one.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from flask import Flask

from seckg.config import Config
from seckg.live_store import LiveStore, LiveView
from seckg.loading import graph_iri
from seckg.transactions import data_file_of
from seckg.web import create_app
from seckg.web.settings import EndpointSettings
from seckg.web.writes import WriteAccess
from seckg.write_auth import TokenFileError, WriteTokens
from seckg.write_limits import DEFAULT_RATE, Rate
from seckg.writer import RunningWriter, StartupError, WriterOptions

EXIT_INVALID, EXIT_UNREADABLE = 1, 2


def _default_graph(config: Config, path: str | None) -> str | None:
    if path is None:
        return None
    iri = graph_iri(config, config.root / path)
    if not path.endswith(".ttl") or data_file_of(config, iri) is None:
        click.echo(f"--default-graph must be a data file, data/<path>.ttl, not {path!r}", err=True)
        sys.exit(EXIT_UNREADABLE)
    return iri


def _megabytes(variable: str, default: int) -> int:
    return int(float(os.environ.get(variable, default / 2**20)) * 2**20)


def _reserve_bytes() -> int:
    """$SECKG_WRITE_RESERVE_MB: the free space (MiB) a write must leave on the store's disk, else 507."""
    return _megabytes("SECKG_WRITE_RESERVE_MB", WriterOptions.reserve_bytes)


def _journal_bytes() -> int:
    """$SECKG_JOURNAL_ROTATE_MB: the journal's length (MiB) at which it is moved into the history."""
    return _megabytes("SECKG_JOURNAL_ROTATE_MB", WriterOptions.journal_bytes)


@contextmanager
def live_app(config: Config, settings: EndpointSettings, store_dir: str | None, token_file: str | None,
             default_graph: str | None, watch: bool, interval: float,
             write_rate: str = DEFAULT_RATE) -> Iterator[Flask]:
    try:
        Rate.parse(write_rate)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--write-rate") from None
    tokens = None
    if token_file:
        try:
            tokens = WriteTokens.from_file(token_file)
        except TokenFileError as error:
            click.echo(str(error), err=True)
            sys.exit(EXIT_UNREADABLE)
        if not store_dir:
            click.echo("writes need --store DIR, so that every acknowledged write survives a restart", err=True)
            sys.exit(EXIT_UNREADABLE)
    temporary = None if store_dir else tempfile.mkdtemp(prefix="seckg-watch-")
    directory = Path(store_dir or temporary)
    options = WriterOptions(watch=watch, interval=interval, default_graph=_default_graph(config, default_graph),
                            grace=settings.timeout + 60, rate=write_rate, reserve_bytes=_reserve_bytes(),
                            journal_bytes=_journal_bytes())
    try:
        writer = RunningWriter(config, directory, options)
    except StartupError as error:
        click.echo(str(error), err=True)
        click.echo("the writer could not start: not serving", err=True)
        sys.exit(EXIT_INVALID)
    try:
        live = LiveStore(directory)
        current = live.read_current()
        click.echo(f"serving generation {current['generation']} of the store in {directory}"
                   + (f"; writes accepted from {len(tokens.tokens)} token(s)" if tokens else "")
                   + ("; watching the files" if watch else ""), err=True)
        yield create_app(config, settings=settings, open_store=live.open_current,
                         stats=(current["graphs"], current["union"]),
                         writes=WriteAccess(tokens=tokens, client=writer.client if tokens else None,
                                            view=LiveView(live)))
    finally:
        writer.stop()
        if temporary:
            shutil.rmtree(temporary, ignore_errors=True)
