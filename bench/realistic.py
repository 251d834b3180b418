"""Trivy reports made of real entries: every vulnerability, misconfiguration and secret of the
Trivy corpus (``../shared/corpus/trivy``), copied verbatim, only their identifiers varied.

``generate.py`` writes entries of its own, lean and regular. Real entries are richer (CVSS from
several sources, ten and more references, CWE lists, long descriptions, layers, data sources)
and cost the adapter more per finding; this workload keeps the benchmark honest about them::

    python bench/realistic.py --findings 50000 --failing 0.4 -o bench/data/trivy-real40-50000.json

``--failing`` is the share of findings the default policy fails (a HIGH or CRITICAL
vulnerability with a fix, a failed HIGH or CRITICAL misconfiguration, a secret): 0.4 is a
realistic image scan, 1.0 the worst case (every finding listed in every output). Entries are
drawn, with the kinds in the corpus's proportions, from the failing and the passing pools;
results hold 1,000 entries each, under the header (target, class, type) of the result each
entry came from. Deterministic for given arguments (seeded).
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import random
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
KINDS = ("Vulnerabilities", "Misconfigurations", "Secrets")
PER_RESULT = 1000


def corpus_dir() -> Path:
    shared = Path(os.environ.get("GATEKEEPER_SHARED", ROOT.parent / "shared"))
    return shared / "corpus" / "trivy"


def _fails(kind: str, entry: dict[str, Any]) -> bool:
    severe = entry.get("Severity") in ("HIGH", "CRITICAL")
    if kind == "Vulnerabilities":
        return severe and bool(entry.get("FixedVersion"))
    if kind == "Misconfigurations":
        return severe and entry.get("Status", "FAIL") == "FAIL"
    return True  # a secret fails whatever its severity


def pools(folder: Path) -> dict[tuple[str, bool], list[tuple[dict[str, Any], dict[str, Any]]]]:
    """(kind, fails) -> [(result header, entry)] for every entry of the corpus's reports."""
    found: dict[tuple[str, bool], list[tuple[dict[str, Any], dict[str, Any]]]] = {}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("Target"), str):
                header = {k: node[k] for k in ("Target", "Class", "Type") if k in node}
                for kind in KINDS:
                    for entry in node.get(kind) or []:
                        if isinstance(entry, dict):
                            found.setdefault((kind, _fails(kind, entry)), []).append((header, entry))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for path in sorted(folder.glob("*.json")):
        if "fabricated" in path.name or "legacy_trivy_mix" in path.name:
            continue  # not what Trivy writes (tests/test_corpus.py)
        try:
            walk(json.loads(path.read_text(encoding="utf-8")))
        except ValueError:
            continue
    return found


def _vary(kind: str, entry: dict[str, Any], i: int) -> dict[str, Any]:
    """The entry with its identity made unique (so no two findings are one problem)."""
    e = copy.deepcopy(entry)
    if kind == "Vulnerabilities":
        e["VulnerabilityID"] = f"CVE-{2015 + i % 10}-{100000 + i}"
    elif kind == "Misconfigurations":
        e["ID"] = f"{e.get('ID', 'AVD')}-{i}"
        if "AVDID" in e:
            e["AVDID"] = f"{e['AVDID']}-{i}"
    else:
        e["StartLine"] = e["EndLine"] = i + 1
    return e


def trivy(n: int, failing: float, seed: int = 20) -> dict[str, Any]:
    rng = random.Random(seed)
    found = pools(corpus_dir())
    if not found:
        raise SystemExit(f"{corpus_dir()}: no Trivy corpus (set GATEKEEPER_SHARED)")
    total = {kind: sum(len(found.get((kind, f), [])) for f in (True, False)) for kind in KINDS}
    kinds, weights = zip(*[(k, total[k]) for k in KINDS if total[k]])
    results: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    groups: list[tuple[dict[str, Any], list[dict[str, Any]]]] = []
    for i in range(n):
        kind = rng.choices(kinds, weights)[0]
        fails = rng.random() < failing
        pool = found.get((kind, fails)) or found.get((kind, not fails)) or []
        if kind == "Secrets" and not fails:
            pool = found.get(("Vulnerabilities", False), pool)
            kind = "Vulnerabilities"
        header, entry = rng.choice(pool)
        key = (kind, *sorted(header.items()))  # type: ignore[arg-type]
        open_group = results.get(key)
        if open_group is None or len(open_group) >= PER_RESULT:
            open_group = results[key] = []
            groups.append(({**header, "_kind": kind}, open_group))
        open_group.append(_vary(kind, entry, i))
    out = []
    for header, entries in groups:
        kind = header.pop("_kind")
        out.append({**header, kind: entries})
    return {
        "SchemaVersion": 2,
        "CreatedAt": "2026-12-01T10:00:00.000000000Z",
        "ArtifactName": "realistic",
        "ArtifactType": "filesystem",
        "Results": out,
    }


def file_name(findings: int, failing: float) -> str:
    return f"trivy-real{round(failing * 100)}-{findings}.json"


def generate(findings: int, failing: float, out: Path) -> Path:
    doc = trivy(findings, failing)
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        import orjson

        out.write_bytes(orjson.dumps(doc, option=orjson.OPT_INDENT_2))
    except ImportError:
        out.write_text(json.dumps(doc, indent=2), encoding="utf-8")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--findings", type=int, default=50_000)
    parser.add_argument("--failing", type=float, default=0.4, help="share of findings the default policy fails")
    parser.add_argument("-o", "--output", type=Path, required=True)
    args = parser.parse_args(argv)
    generate(args.findings, args.failing, args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
