"""`make bench`: seckg side by side with Oxigraph's server and rdflib-endpoint, answers checked.

For each size (default 10k, 100k and 1M triples; `--sizes 10M` is opt-in): generate the
synthetic graph (bench/synthetic.py), compute the expected answer of every request in this
process, then start each server on loopback, check every answer it gives against the expected
one, and load it with 1, 4 and 16 closed-loop clients per workload for `--seconds` each. seckg is
measured uncached (every request sent with `Cache-Control: no-cache`, so the answer cache is
missed and refilled each time), warm (cache hits) and conditional (`If-None-Match`, 304). Then
full and small-change SHACL validation with seckg's own validator. Results go to
bench/results/ as JSON and Markdown; `--readme` puts the table into README.md.

A server whose answer differs from the expected one fails the run (exit 1), however fast.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

from seckg.config import Config
from seckg.loading import data_files, graph_iri, ontology_files, load
from seckg.validation import IncrementalValidator

import answers
import report
import servers
import synthetic
import workloads
from load import fetch, run_load

HERE = Path(__file__).resolve().parent
SIZES = {"10k": 10_000, "100k": 100_000, "1M": 1_000_000, "10M": 10_000_000}
CLIENTS = (1, 4, 16)


def source_files(root: Path) -> list[tuple[Path, str]]:
    """The ontology and data files with the named graph seckg loads each into."""
    config = Config(root=root)
    return [(p, graph_iri(config, p)) for p in [*ontology_files(config), *data_files(config)]]


class Run:
    """One benchmark run: the results of every server and size, and what went wrong."""

    def __init__(self, args):
        self.args = args
        self.wrong: list[tuple[str, str]] = []  # (server, what was wrong)
        self.results: dict = {"sizes": {}}

    def save(self) -> tuple[list[str], str]:
        """Write what has been measured so far (after every server, so a long run that is
        stopped keeps its figures); returns the wrong answers that fail the run, and the table."""
        tolerated = self.args.tolerate_wrong
        failing = [message for server, message in self.wrong if server not in tolerated]
        self.results["wrong_answers"] = failing
        self.results["tolerated_wrong_answers"] = [m for server, m in self.wrong if server in tolerated]
        self.args.out.mkdir(parents=True, exist_ok=True)
        (self.args.out / "latest.json").write_text(json.dumps(self.results, indent=1) + "\n")
        table = report.markdown(self.results)
        (self.args.out / "latest.md").write_text(table)
        return failing, table

    # --- checking -----------------------------------------------------------------------

    def _budget(self, endpoint: servers.Endpoint) -> tuple[float, float]:
        """(seconds for the answer check, seconds one request may take): the Python peer gets
        shorter ones, so that a server that cannot answer at this size still ends in bounded time."""
        if endpoint.name == "rdflib-endpoint":
            return self.args.peer_verify_budget, self.args.peer_request_timeout
        return self.args.verify_budget, self.args.request_timeout

    def verify(self, endpoint: servers.Endpoint, queries, expected, extra=()) -> dict[str, dict]:
        """Ask every distinct question once and check the answer; returns, per key, the length
        and ETag of the checked answer (what the timed phase compares against)."""
        checked, skipped, started = {}, [], time.perf_counter()
        budget, request_timeout = self._budget(endpoint)
        for query in queries:
            if time.perf_counter() - started > budget:
                skipped.append(query.key)
                continue
            request = workloads.http_request(query, endpoint.query_path, endpoint.dump, extra)
            try:
                response = asyncio.run(fetch(endpoint.base_url, request, request_timeout))
            except (asyncio.TimeoutError, OSError) as error:
                skipped.append(f"{query.key} ({type(error).__name__})")
                continue
            if response.status != 200:
                skipped.append(f"{query.key} (HTTP {response.status})")
                continue
            try:
                answers.check(expected[query.key], response.body, response.headers.get("content-type", ""),
                              f"{endpoint.name} {query.key}")
            except answers.WrongAnswer as error:
                self.wrong.append((endpoint.name, str(error)))
                print(f"  WRONG {error}", file=sys.stderr)
                continue
            checked[query.key] = {"length": len(response.body), "etag": response.headers.get("etag")}
        if skipped:
            endpoint.notes.append(f"not checked, so not timed: {', '.join(skipped[:8])}"
                                  + (f" and {len(skipped) - 8} more" if len(skipped) > 8 else ""))
        print(f"  {endpoint.name}: {len(checked)}/{len(queries)} answers checked", file=sys.stderr)
        return checked

    def load_cells(self, endpoint, mode, plan, checked, extra=(), status=200) -> list[dict]:
        """Time every workload at every concurrency; answers of the wrong length are wrong."""
        cells = []

        def check(request, response):
            if response.status != status:
                return f"HTTP {response.status}"
            if status == 200 and len(response.body) != checked[request.key]["length"]:
                return "wrong answer"
            return None

        for workload, queries in plan.items():
            usable = [q for q in queries if q.key in checked]
            if not usable:
                continue
            requests = []
            for q in usable:
                headers = list(extra)
                if mode == "conditional":
                    headers.append(("If-None-Match", checked[q.key]["etag"]))
                requests.append(workloads.http_request(q, endpoint.query_path, endpoint.dump, tuple(headers)))
            gave_up = None
            for clients in (self.args.dump_clients if workload == "dump" else CLIENTS):
                if gave_up is not None:  # more clients cannot answer what one could not: bounded time
                    cells.append({"server": endpoint.name, "mode": mode, "workload": workload, "clients": clients,
                                  "requests": 0, "rps": None, "p50_ms": None, "p99_ms": None, "errors": {},
                                  "distinct": len(usable), "of": len(queries), "skipped": gave_up})
                    print(f"  {endpoint.name:16} {mode:11} {workload:8} x{clients:<2} skipped: {gave_up}",
                          file=sys.stderr)
                    continue
                result = run_load(endpoint.base_url, requests, clients, self.args.seconds, check,
                                  self._budget(endpoint)[1], self.args.min_requests, self.args.max_seconds)
                if not result.latencies and result.errors.get("timeout"):
                    gave_up = (f"every request of the {clients}-client cell timed out "
                               f"(after {self._budget(endpoint)[1]:g} s)")
                wrong = result.errors.get("wrong answer", 0)
                if wrong:
                    self.wrong.append((endpoint.name, f"{endpoint.name} {workload} x{clients}: "
                                                      f"{wrong} answers of the wrong length"))
                cell = {"server": endpoint.name, "mode": mode, "workload": workload, "clients": clients,
                        "requests": len(result.latencies), "seconds": round(result.seconds, 1),
                        "requests_fixed_size": sum(map(workloads.fixed_size, result.keys)),
                        "rps": round(result.requests_per_second, 2),
                        "p50_ms": _ms(result.percentile(50)), "p99_ms": _ms(result.percentile(99)),
                        "p50_fixed_size_ms": _ms(result.percentile(50, workloads.fixed_size)),
                        "errors": result.errors, "distinct": len(usable), "of": len(queries),
                        "load_average": round(os.getloadavg()[0], 1)}  # the machine is shared: say how busy
                cells.append(cell)
                print(f"  {endpoint.name:16} {mode:11} {workload:8} x{clients:<2} {cell['rps']:9.1f} req/s "
                      f"p50 {cell['p50_ms']} ms p99 {cell['p99_ms']} ms ({cell['requests']} in {cell['seconds']} s) "
                      f"{result.errors or ''}", file=sys.stderr)
        return cells

    # --- one size -----------------------------------------------------------------------

    def size(self, label: str, triples: int) -> None:
        work = Path(self.args.work) / label
        root = work / "root"
        started = time.perf_counter()
        synthetic.write_root(root, triples, self.args.seed)
        files = source_files(root)
        reference = answers.Reference(files)
        print(f"{label}: {len(reference.store)} quads generated and loaded for reference in "
              f"{time.perf_counter() - started:.1f} s", file=sys.stderr)
        named = workloads.named_queries(reference, root / "queries")
        lookups = workloads.describes(reference)
        dump = workloads.Query("dump", workloads.DUMP_SPARQL, workloads.NTRIPLES)
        plan = {"named": named, "describe": lookups, "dump": [dump], "mix": workloads.mix(named, lookups, dump)}
        plan = {name: queries for name, queries in plan.items() if name in self.args.workloads}
        distinct = {q.key: q for q in [*named, *lookups, dump]}
        expected = {key: reference.expected(q.sparql) for key, q in distinct.items()}
        quads = len(reference.store)
        del reference
        entry = {"triples": triples, "quads": quads, "servers": {}, "cells": []}
        self.results["sizes"][label] = entry

        def measure(endpoint, modes=(("uncached", (workloads.NO_CACHE,)),)):
            try:
                first_extra = modes[0][1]
                checked = self.verify(endpoint, list(distinct.values()), expected, first_extra)
                for mode, extra in modes:
                    status = 304 if mode == "conditional" else 200
                    if mode == "warm":  # one pass fills the cache of every worker it reaches
                        self.verify(endpoint, list(distinct.values()), expected)
                    entry["cells"] += self.load_cells(endpoint, mode, plan, checked, extra, status)
            finally:
                endpoint.stop()
            entry["servers"][endpoint.name] = {
                "ready_s": round(endpoint.ready_seconds, 2),
                "start_peak_pss_mib": round(endpoint.sampler.start_pss, 1),
                "peak_pss_mib": round(endpoint.peak_pss_mib, 1),
                "peak_rss_mib": round(endpoint.peak_rss_mib, 1),
                "notes": endpoint.notes,
            }
            self.save()

        timeout = self.args.ready_timeout
        validate = triples <= self.args.shacl_max  # above it validation would dominate every start
        for server in self.args.servers:  # in the order given, so a long run measures the first ones first
            if server == "oxigraph":
                measure(servers.start_oxigraph(files, work, timeout))
            elif server == "seckg-memory":
                modes = {"uncached": (workloads.NO_CACHE,), "warm": (), "conditional": ()}
                measure(servers.start_seckg(root, work, None, timeout, "seckg-memory", validate),
                        tuple((mode, extra) for mode, extra in modes.items() if mode in self.args.modes))
            elif server == "seckg-disk":
                store = work / "seckg-store"
                shutil.rmtree(store, ignore_errors=True)
                cold = servers.start_seckg(root, work, store, timeout, "seckg-disk", validate)
                cold.stop()
                warm = servers.start_seckg(root, work, store, timeout, "seckg-disk")
                warm.notes.append(f"first start (builds the store) {cold.ready_seconds:.2f} s ({cold.notes[-1]}), "
                                  f"peak PSS {cold.sampler.start_pss:.0f} MiB, peak RSS {cold.sampler.start_rss:.0f} "
                                  "MiB; restart shown, which neither reparses nor revalidates")
                measure(warm)
            elif server == "rdflib-endpoint":
                measure(servers.start_rdflib_endpoint(files, work, timeout))
        if validate:
            entry["shacl"] = shacl_times(root)
        else:
            entry["shacl"] = {"skipped": f"over --shacl-max {self.args.shacl_max} triples"}


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 2)


def shacl_times(root: Path) -> dict:
    """Full validation (the first run of seckg's IncrementalValidator) and the revalidation after
    one label of one state changes in its file."""
    config = Config(root=root)
    loaded = load(config)
    started = time.perf_counter()
    validator = IncrementalValidator(loaded)
    full = time.perf_counter() - started
    path = root / "data" / "synthetic" / "states.ttl"
    original = path.read_text(encoding="utf-8")
    path.write_text(original.replace('"State 3"@en', '"State 3, renamed"@en', 1), encoding="utf-8")
    started = time.perf_counter()
    changed = validator.update(path)
    small = time.perf_counter() - started
    path.write_text(original, encoding="utf-8")
    return {"full_s": round(full, 2), "small_change_s": round(small, 3),
            "small_change_focus_nodes": len(validator.last_focus or []), "conforms": changed.conforms}


def environment() -> dict:
    def version(name):
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return None

    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), "unknown")
    memory = next((int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal")), 0)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=HERE, capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain"], cwd=HERE, capture_output=True, text=True).stdout.strip()
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{cpu}, {os.cpu_count()} cores, {memory / 1024 / 1024:.0f} GiB, {os.uname().sysname} {os.uname().release}",
        "load_average_at_start": os.getloadavg(),
        "python": sys.version.split()[0],
        "seckg": f"{commit}{' (modified)' if dirty else ''}",
        "versions": {name: version(name) for name in ("pyoxigraph", "oxigraph", "rdflib", "rdflib-endpoint",
                                                      "pyshacl", "flask", "gunicorn", "uvicorn")},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=["10k", "100k", "1M"], choices=list(SIZES))
    parser.add_argument("--servers", nargs="+", default=["oxigraph", "seckg-memory", "seckg-disk", "rdflib-endpoint"],
                        choices=["oxigraph", "seckg-memory", "seckg-disk", "rdflib-endpoint"])
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each timed load")
    parser.add_argument("--min-requests", type=int, default=100,
                        help="a cell goes on past --seconds until this many answers are in, so its p50 rests on them")
    parser.add_argument("--max-seconds", type=float, default=180,
                        help="longest a cell goes on to reach --min-requests")
    parser.add_argument("--workloads", nargs="+", default=["named", "describe", "dump", "mix"],
                        choices=["named", "describe", "dump", "mix"])
    parser.add_argument("--modes", nargs="+", default=["uncached", "warm", "conditional"],
                        choices=["uncached", "warm", "conditional"], help="how seckg-memory is measured")
    parser.add_argument("--dump-clients", nargs="+", type=int, default=list(CLIENTS),
                        help="concurrencies of the dump workload (a 1M dump takes a minute on some servers)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--work", default="/tmp/seckg-bench", help="where graphs, stores and logs go")
    parser.add_argument("--out", type=Path, default=HERE / "results")
    parser.add_argument("--readme", action="store_true", help="put the table into README.md")
    parser.add_argument("--ready-timeout", type=float, default=3600)
    parser.add_argument("--request-timeout", type=float, default=120)
    parser.add_argument("--verify-budget", type=float, default=600,
                        help="seconds a server may spend on the answer check; what is left is not timed")
    parser.add_argument("--peer-request-timeout", type=float, default=30,
                        help="seconds one request to rdflib-endpoint may take, in the check and the timed cells; "
                             "after a cell whose every request timed out, the workload's larger cells are skipped")
    parser.add_argument("--peer-verify-budget", type=float, default=240,
                        help="seconds rdflib-endpoint may spend on the answer check")
    parser.add_argument("--shacl-max", type=int, default=100_000,
                        help="largest size that is validated (at server start and timed on its own); "
                             "larger graphs are served unvalidated, so start to ready compares loading with loading "
                             "(make bench-validation times validation at every size)")
    parser.add_argument("--tolerate-wrong", nargs="*", default=["rdflib-endpoint"],
                        help="servers whose wrong answers are reported (and not timed) but do not fail the run")
    args = parser.parse_args()
    missing = servers.missing_programs(args.servers)
    if missing:
        print(f"not installed in {servers.BIN}: {', '.join(missing)}; `make bench` installs them "
              "(pip install -e '.[bench]'), or leave their servers out with --servers", file=sys.stderr)
        return 2

    run = Run(args)
    run.results["environment"] = environment()
    run.results["settings"] = {"seconds": args.seconds, "min_requests": args.min_requests,
                               "max_seconds": args.max_seconds, "clients": CLIENTS, "seed": args.seed}
    for label in args.sizes:
        run.size(label, SIZES[label])
    failing, table = run.save()
    if args.readme:
        report.into_readme(HERE.parent / "README.md", run.results)
    print(table)
    if failing:
        print(f"FAILED: {len(failing)} wrong answer(s):\n  " + "\n  ".join(failing[:20]), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
