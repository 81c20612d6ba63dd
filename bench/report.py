"""Markdown tables of a benchmark run, every figure also as a ratio to Oxigraph's server.

    python bench/report.py bench/results/latest.json [more.json …] --readme   # tables into README.md
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

REFERENCE = "oxigraph"
START, END = "<!-- bench:start -->", "<!-- bench:end -->"


def _ratio(value, reference) -> str:
    if value is None or not reference:
        return "–"
    return f"{value / reference:.2f}×"


def _num(value, digits=1) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def _header(results: dict) -> list[str]:
    env = results["environment"]
    versions = ", ".join(f"{k} {v}" for k, v in env["versions"].items() if v)
    load = ", ".join(f"{x:.1f}" for x in env["load_average_at_start"])
    lines = [f"Run of {env['date']} on {env['machine']} (load average at start {load}); Python {env['python']}, "
             f"seckg {env['seckg']}; {versions}. Each cell: {results['settings']['seconds']:g} s of closed-loop "
             "clients on loopback; ratios are to Oxigraph's server in the same run (× > 1: more requests/s, "
             "or longer latency / more memory)."]
    tolerated = results.get("tolerated_wrong_answers")
    if tolerated:
        lines.append(f"\nWrong answers of a server that is not the subject of the run (reported, not timed, "
                     f"the run still passes): {len(tolerated)}, e.g. {tolerated[0]}")
    if results.get("wrong_answers"):
        lines.append(f"\n**FAILED: {len(results['wrong_answers'])} wrong answer(s)**, e.g. {results['wrong_answers'][0]}")
    return lines


def _servers_table(size: dict) -> list[str]:
    ref = size["servers"].get(REFERENCE, {})
    lines = ["| server | start to ready | × | peak PSS serving (MiB) | × | peak RSS of one process | start-up peak PSS | notes |",
             "|---|---:|---:|---:|---:|---:|---:|---|"]
    for name, s in size["servers"].items():
        lines.append(f"| {name} | {s['ready_s']:.2f} s | {_ratio(s['ready_s'], ref.get('ready_s'))} "
                     f"| {_num(s['peak_pss_mib'], 0)} | {_ratio(s['peak_pss_mib'], ref.get('peak_pss_mib'))} "
                     f"| {_num(s['peak_rss_mib'], 0)} | {_num(s['start_peak_pss_mib'], 0)} | {'; '.join(s['notes'])} |")
    return lines


def _cells_table(size: dict, keep=lambda cell: True) -> list[str]:
    ref = {(c["workload"], c["clients"]): c for c in size["cells"] if c["server"] == REFERENCE}
    lines = ["| server | mode | workload | clients | req/s | × | p50 ms | × | p99 ms | × | not 2xx/3xx |",
             "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---|"]
    for c in size["cells"]:
        if not keep(c):
            continue
        r = ref.get((c["workload"], c["clients"]), {})
        errors = ", ".join(f"{k}: {v}" for k, v in c["errors"].items()) or ""
        if c.get("skipped"):
            errors = f"not run: {c['skipped']}"
        elif c["distinct"] != c["of"]:
            errors = (errors + "; " if errors else "") + f"{c['distinct']}/{c['of']} requests timed"
        lines.append(f"| {c['server']} | {c['mode']} | {c['workload']} | {c['clients']} | {_num(c['rps'])} "
                     f"| {_ratio(c['rps'], r.get('rps'))} | {_num(c['p50_ms'], 2)} | {_ratio(c['p50_ms'], r.get('p50_ms'))} "
                     f"| {_num(c['p99_ms'], 2)} | {_ratio(c['p99_ms'], r.get('p99_ms'))} | {errors} |")
    return lines


def _shacl(size: dict) -> str:
    s = size.get("shacl", {})
    if not s:
        return "SHACL: not measured (yet)."
    if "skipped" in s:
        return f"SHACL: not timed ({s['skipped']})."
    return (f"SHACL (seckg's validator, pyshacl): full validation {s['full_s']:.1f} s; after a one-label change "
            f"{s['small_change_s'] * 1000:.0f} ms ({s['small_change_focus_nodes']} focus nodes revalidated); "
            f"conforms: {s['conforms']}.")


def markdown(results: dict, keep=lambda cell: True) -> str:
    lines = _header(results)
    for label, size in results["sizes"].items():
        lines += ["", f"#### {label} triples ({size['quads']:,} quads with the ontology)", ""]
        lines += _servers_table(size) + [""] + _cells_table(size, keep) + ["", _shacl(size)]
    return "\n".join(lines) + "\n"


def _headline(cell: dict) -> bool:
    return cell["workload"] == "mix" or (cell["workload"] == "named" and cell["clients"] == 16)


def into_readme(readme: Path, *runs: dict) -> None:
    """Replace the README's bench section with the mix at every concurrency and the named
    queries at 16 clients of each run (the whole tables are in bench/results/)."""
    table = "\n".join(markdown(results, keep=_headline) for results in runs)
    text = readme.read_text(encoding="utf-8")
    block = f"{START}\n{table}{END}"
    if START in text:
        text = re.sub(re.escape(START) + ".*?" + re.escape(END), lambda _: block, text, flags=re.S)
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    readme.write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+", type=Path, help="JSON files written by bench/run.py")
    parser.add_argument("--readme", action="store_true", help="put their tables into README.md")
    args = parser.parse_args()
    runs = [json.loads(path.read_text()) for path in args.runs]
    for results in runs:
        print(markdown(results))
    if args.readme:
        into_readme(Path(__file__).resolve().parents[1] / "README.md", *runs)


if __name__ == "__main__":
    main()
