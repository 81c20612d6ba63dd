"""Start to ready of `seckg serve --store DIR`: the first start (builds and validates the store), a
restart on unchanged files, and a restart after one data file was edited (only that file is
parsed again and only what it can affect validated), each with its peak memory.

    python bench/disk_restart.py --triples 1000000 --work /tmp/seckg-restart-1M [--check]

The edit changes the English label of one resource in the middle of `--file` (the same bytes
every run). `--check` also compares the graph served after the edit, as N-Quads lines, with a
build from scratch (`seckg export`), which takes minutes at a million triples.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import servers  # noqa: E402
import synthetic  # noqa: E402


def cpu_seconds(pid: int) -> float:
    """CPU time of the process and of the children it has waited for (the one that built or
    updated the store): a figure that, unlike wall time, other jobs on the machine do not stretch."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def start(root: Path, store: Path, work: Path, name: str, validate: bool = True) -> dict:
    endpoint = servers.start_seckg(root, work, store, 3600, name, validate)
    cpu = cpu_seconds(endpoint.process.pid)
    said = [line for line in endpoint.log.read_text(errors="replace").splitlines()
            if line.startswith(("built the store", "updated ", "sources unchanged"))]
    outcome = {"start": name, "ready_s": round(endpoint.ready_seconds, 2), "cpu_s": round(cpu, 2),
               "load_average": round(os.getloadavg()[0], 1),
               "startup_peak_rss_mib": round(endpoint.sampler.start_rss), "startup_peak_pss_mib":
               round(endpoint.sampler.start_pss), "said": said[-1] if said else None, "endpoint": endpoint}
    return outcome


def edit_one_label(path: Path) -> str:
    """Change the first English label past the middle of the file; returns the new label."""
    text = path.read_text(encoding="utf-8")
    match = re.compile(r'"([^"\\]+)"@en').search(text, len(text) // 2)
    new = match.group(1) + " edited"
    path.write_text(text[:match.start(1)] + new + text[match.end(1):], encoding="utf-8")
    return new


def served_quads(endpoint) -> set[bytes]:
    with urllib.request.urlopen(endpoint.base_url + "/dumps/seckg.nq", timeout=3600) as response:
        return set(response.read().splitlines())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=int, default=1_000_000)
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--file", default="statements.ttl", help="the synthetic data file to edit")
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--unvalidated-build", action="store_true",
                        help="build the store without SHACL validation (bench/serve_trusted.py), as `make bench` "
                             "does above --shacl-max; the restarts are timed the same")
    args = parser.parse_args()
    root, store = args.work / "root", args.work / "store"
    if not (root / "data").is_dir():
        synthetic.write_root(root, args.triples)
    shutil.rmtree(store, ignore_errors=True)
    (args.work / "logs").mkdir(parents=True, exist_ok=True)
    results = []
    for name in ("first start", "restart, nothing changed", "restart, one file edited", "restart again"):
        if name == "restart, one file edited":
            edit_one_label(root / "data" / "synthetic" / args.file)
        outcome = start(root, store, args.work / "logs", name.replace(" ", "-").replace(",", ""),
                        validate=not (args.unvalidated_build and name == "first start"))
        endpoint = outcome.pop("endpoint")
        try:
            if args.check and name == "restart, one file edited":
                served = served_quads(endpoint)
                out = args.work / "export"
                subprocess.run([str(servers.BIN / "seckg"), "--root", str(root), "export", "--format", "nquads",
                                "--out", str(out)], check=True, capture_output=True)
                outcome["same_as_a_build"] = served == set((out / "seckg.nq").read_bytes().splitlines())
        finally:
            endpoint.stop()
        results.append(outcome)
        print(json.dumps(outcome), flush=True)
        time.sleep(1)
    (args.work / "results.json").write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()
