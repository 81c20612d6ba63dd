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


def _cell_length(settings: dict) -> str:
    text = f"{settings['seconds']:g} s"
    if settings.get("min_requests"):
        text += (f", or longer until {settings['min_requests']} answers are in (at most "
                 f"{settings['max_seconds']:g} s)")
    return text


def _n(cell: dict, key: str = "requests") -> str:
    return "–" if cell.get(key) is None else f"{cell[key]:,}"


def _header(results: dict) -> list[str]:
    env = results["environment"]
    versions = ", ".join(f"{k} {v}" for k, v in env["versions"].items() if v)
    load = ", ".join(f"{x:.1f}" for x in env["load_average_at_start"])
    lines = [f"Run of {env['date']} on {env['machine']} (load average at start {load}); Python {env['python']}, "
             f"seckg {env['seckg']}; {versions}. Each cell: {_cell_length(results['settings'])} of closed-loop "
             "clients on loopback (n: the answers its percentiles rest on); ratios are to Oxigraph's server in the same run (× > 1: more requests/s, "
             "or longer latency / more memory); load: the machine's 1-minute load average after the cell."]
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
    lines = ["| server | mode | workload | clients | n | req/s | × | p50 ms | × | p99 ms | × | load | not 2xx/3xx |",
             "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for c in size["cells"]:
        if not keep(c):
            continue
        r = ref.get((c["workload"], c["clients"]), {})
        errors = ", ".join(f"{k}: {v}" for k, v in c["errors"].items()) or ""
        if c.get("skipped"):
            errors = f"not run: {c['skipped']}"
        elif c["distinct"] != c["of"]:
            errors = (errors + "; " if errors else "") + f"{c['distinct']}/{c['of']} requests timed"
        lines.append(f"| {c['server']} | {c['mode']} | {c['workload']} | {c['clients']} | {_n(c)} | {_num(c['rps'])} "
                     f"| {_ratio(c['rps'], r.get('rps'))} | {_num(c['p50_ms'], 2)} | {_ratio(c['p50_ms'], r.get('p50_ms'))} "
                     f"| {_num(c['p99_ms'], 2)} | {_ratio(c['p99_ms'], r.get('p99_ms'))} "
                     f"| {_num(c.get('load_average'))} | {errors} |")
    return lines


def _fixed_size_table(size: dict) -> list[str]:
    """p50 of the mix without the requests whose answers grow with the graph (see
    workloads.fixed_size), so sizes can be compared on the same work per request."""
    cells = [c for c in size["cells"] if c["workload"] == "mix" and c.get("p50_fixed_size_ms") is not None]
    if not cells:
        return []
    ref = {c["clients"]: c for c in cells if c["server"] == REFERENCE}
    lines = ["", "The mix without its crowded-node queries and the dump (its ordinary part, whose answers have the same "
             "size at every size of graph; n: its requests):", "",
             "| server | mode | clients | n | p50 ms | × |", "|---|---|---:|---:|---:|---:|"]
    for c in cells:
        r = ref.get(c["clients"], {})
        lines.append(f"| {c['server']} | {c['mode']} | {c['clients']} | {_n(c, 'requests_fixed_size')} "
                     f"| {_num(c['p50_fixed_size_ms'], 2)} "
                     f"| {_ratio(c['p50_fixed_size_ms'], r.get('p50_fixed_size_ms'))} |")
    return lines


def _shacl(size: dict) -> str:
    s = size.get("shacl", {})
    if not s:
        return "SHACL: not measured (yet)."
    if "skipped" in s:
        return f"SHACL: not timed ({s['skipped']})."
    return (f"SHACL (seckg's set-wise engine): full validation {s['full_s']:.1f} s; after a one-label change "
            f"{s['small_change_s'] * 1000:.0f} ms ({s['small_change_focus_nodes']} focus nodes revalidated); "
            f"conforms: {s['conforms']}.")


def _growth_table(results: dict) -> list[str]:
    """Each server's p50 at the largest size of the run against the smallest (same cells, same run)."""
    labels = list(results["sizes"])
    if len(labels) < 2:
        return []
    small, large = (results["sizes"][label] for label in (labels[0], labels[-1]))
    before = {(c["server"], c["mode"], c["workload"], c["clients"]): c for c in small["cells"]}
    lines = ["", f"#### p50 at {labels[-1]} against {labels[0]}", "",
             f"| server | mode | workload | clients | p50 ms {labels[0]} (n) | p50 ms {labels[-1]} (n) | × "
             f"| fixed-size part {labels[0]} (n) | {labels[-1]} (n) | × |",
             "|---|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for c in large["cells"]:
        b = before.get((c["server"], c["mode"], c["workload"], c["clients"]))
        if b is None:
            continue
        fixed = [b.get("p50_fixed_size_ms"), c.get("p50_fixed_size_ms")]
        lines.append(f"| {c['server']} | {c['mode']} | {c['workload']} | {c['clients']} "
                     f"| {_num(b['p50_ms'], 2)} ({_n(b)}) | {_num(c['p50_ms'], 2)} ({_n(c)}) "
                     f"| {_ratio(c['p50_ms'], b['p50_ms'])} | {_num(fixed[0], 2)} ({_n(b, 'requests_fixed_size')}) "
                     f"| {_num(fixed[1], 2)} ({_n(c, 'requests_fixed_size')}) | {_ratio(fixed[1], fixed[0])} |")
    return lines


def markdown(results: dict, keep=lambda cell: True) -> str:
    lines = _header(results)
    for label, size in results["sizes"].items():
        lines += ["", f"#### {label} triples ({size['quads']:,} quads with the ontology)", ""]
        lines += _servers_table(size) + [""] + _cells_table(size, keep) + _fixed_size_table(size) + ["", _shacl(size)]
    lines += _growth_table(results)
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
