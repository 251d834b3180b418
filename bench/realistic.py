"""Reports made of real entries: every vulnerability, misconfiguration and secret of the Trivy
corpus (``../shared/corpus/trivy``), the entries of the other tools of the generated
six-tool mix (gitleaks, Checkov, Hadolint, pip-audit, SonarQube: ``OTHER_TOOLS``) and of the
scanners that do not run here (grype, OSV-Scanner, Semgrep, npm audit, TruffleHog:
``NEW_TOOLS``), copied verbatim, only what identifies each problem varied.

``generate.py`` writes entries of its own, lean and regular. Real entries are richer (CVSS from
several sources, ten and more references, CWE lists, long descriptions, layers, data sources)
and cost the adapter more per finding; this workload keeps the benchmark honest about them::

    python bench/realistic.py --findings 50000 --failing 0.4 -o bench/data/trivy-real40-50000.json
    python bench/realistic.py --tool checkov --findings 8333 --failing 0.4 -o bench/data/checkov-real40-8333.json

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
from collections.abc import Callable
from typing import Any, NamedTuple

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


# -- the other tools of the generated six-tool mix ---------------------------------------------
#
# Their corpora are small (a few to a few dozen real entries each); each entry is kept verbatim
# but for what makes it one problem (the adapter's fingerprint: a line, a resource, a version),
# and put into the envelope the real tool writes. Whether an entry fails is asked of
# gatekeeper itself (the entry alone under the default policy), not guessed from its fields.

OTHER_TOOLS = ("gitleaks", "checkov", "hadolint", "pip-audit", "sonarqube")


def _list_items(doc: Any) -> list[Any]:
    """The objects of a report that is a list of them (gitleaks, Hadolint)."""
    return [e for e in doc if isinstance(e, dict)] if isinstance(doc, list) else []


def _gitleaks_vary(e: dict[str, Any], i: int) -> dict[str, Any]:
    e = copy.deepcopy(e)
    if "RuleID" in e:  # gitleaks 8
        e["StartLine"] = e["EndLine"] = i + 1
        if "Fingerprint" in e:
            e["Fingerprint"] = f"{e.get('Commit', '')}:{e.get('File', '')}:{e['RuleID']}:{i + 1}"
    else:  # gitleaks 7
        e["lineNumber"] = i + 1
    return e


def _checkov_items(doc: Any) -> list[Any]:
    blocks = doc if isinstance(doc, list) else [doc]
    return [(b.get("check_type"), c) for b in blocks if isinstance(b, dict)
            for c in ((b.get("results") or {}).get("failed_checks") or []) if isinstance(c, dict)]


def _checkov_vary(item: tuple[str, dict[str, Any]], i: int) -> tuple[str, dict[str, Any]]:
    check_type, c = item[0], copy.deepcopy(item[1])
    c["resource"] = f"{c.get('resource') or 'resource'}.{i}"
    first, last = (c.get("file_line_range") or [1, 1])[:2]
    c["file_line_range"] = [i + 1, i + 1 + max(0, (last or 0) - (first or 0))]
    return check_type, c


def _checkov_build(items: list[tuple[str, dict[str, Any]]]) -> Any:
    blocks: dict[str, list[dict[str, Any]]] = {}
    for check_type, c in items:
        blocks.setdefault(check_type or "terraform", []).append(c)
    return [{"check_type": ct,
             "results": {"passed_checks": [], "failed_checks": failed, "skipped_checks": [], "parsing_errors": []},
             "summary": {"passed": 0, "failed": len(failed), "skipped": 0, "parsing_errors": 0,
                         "resource_count": len(failed), "checkov_version": "3.2.255"}}
            for ct, failed in blocks.items()]


def _hadolint_vary(e: dict[str, Any], i: int) -> dict[str, Any]:
    return {**e, "line": i + 1}


def _pip_audit_items(doc: Any) -> list[Any]:
    deps = doc.get("dependencies") if isinstance(doc, dict) else doc
    return [({"name": d["name"], "version": d.get("version")}, v) for d in deps or [] if isinstance(d, dict)
            for v in d.get("vulns") or [] if isinstance(v, dict)]


def _pip_audit_vary(item: tuple[dict[str, Any], dict[str, Any]], i: int) -> tuple[dict[str, Any], dict[str, Any]]:
    dep, vuln = item
    return {**dep, "version": f"{dep.get('version') or '0'}.post{i}"}, copy.deepcopy(vuln)


def _pip_audit_build(items: list[tuple[dict[str, Any], dict[str, Any]]]) -> Any:
    return {"dependencies": [{**dep, "vulns": [vuln]} for dep, vuln in items], "fixes": []}


def _sonarqube_items(doc: Any) -> list[Any]:
    if not isinstance(doc, dict) or not isinstance(doc.get("issues"), list):
        return []
    components = {c.get("key"): c for c in doc.get("components") or [] if isinstance(c, dict)}
    return [(issue, components.get(issue.get("component"))) for issue in doc["issues"] if isinstance(issue, dict)]


def _sonarqube_vary(item: tuple[dict[str, Any], Any], i: int) -> tuple[dict[str, Any], Any]:
    issue, component = copy.deepcopy(item[0]), item[1]
    issue["key"] = f"{issue.get('key', 'AX')}-{i}"
    issue["line"] = i + 1
    if isinstance(issue.get("textRange"), dict):
        issue["textRange"]["startLine"] = issue["textRange"]["endLine"] = i + 1
    return issue, component


def _sonarqube_build(items: list[tuple[dict[str, Any], Any]]) -> Any:
    issues = [issue for issue, _ in items]
    components = {c["key"]: c for _, c in items if isinstance(c, dict) and "key" in c}
    n = len(issues)
    return {"total": n, "p": 1, "ps": n, "paging": {"pageIndex": 1, "pageSize": n, "total": n},
            "issues": issues, "components": list(components.values()), "facets": []}


def _in_envelope(key: str) -> Callable[[Any], list[Any]]:
    """Items of a document that lists them under ``key``, each with the rest of its document
    (the envelope a report of them is built in)."""

    def items(doc: Any) -> list[Any]:
        if not isinstance(doc, dict) or not isinstance(doc.get(key), list):
            return []
        envelope = {k: v for k, v in doc.items() if k != key}
        return [(envelope, item) for item in doc[key] if isinstance(item, dict)]

    return items


def _envelope_build(key: str) -> Callable[[list[Any]], Any]:
    """The report of ``(envelope, item)`` pairs: the first item's envelope, every item under ``key``."""
    return lambda items: {**(items[0][0] if items else {}), key: [item for _, item in items]}


def _grype_vary(pair: tuple[dict[str, Any], dict[str, Any]], i: int) -> tuple[dict[str, Any], dict[str, Any]]:
    envelope, match = pair[0], copy.deepcopy(pair[1])
    artifact = match.get("artifact") or {}
    artifact["version"] = f"{artifact.get('version') or '0'}+bench{i}"
    return envelope, match


def _semgrep_vary(pair: tuple[dict[str, Any], dict[str, Any]], i: int) -> tuple[dict[str, Any], dict[str, Any]]:
    envelope, result = pair[0], copy.deepcopy(pair[1])
    for end in ("start", "end"):
        if isinstance(result.get(end), dict):
            result[end]["line"] = i + 1
    return envelope, result


def _osv_items(doc: Any) -> list[Any]:
    """(source, package entry) for each group of a package's records (one finding each: the
    records of one group are aliases of one flaw), the entry holding that group alone."""
    if not isinstance(doc, dict) or not isinstance(doc.get("results"), list):
        return []
    out = []
    for r in doc["results"]:
        for p in (r.get("packages") or []) if isinstance(r, dict) else []:
            if not isinstance(p, dict):
                continue
            records = {v.get("id"): v for v in p.get("vulnerabilities") or [] if isinstance(v, dict)}
            for group in p.get("groups") or [{"ids": [i]} for i in records]:
                ids = group.get("ids") or [] if isinstance(group, dict) else []
                if ids and all(i in records for i in ids):
                    entry = {"package": p.get("package"), "vulnerabilities": [records[i] for i in ids], "groups": [group]}
                    out.append((r.get("source"), entry))
    return out


def _osv_vary(pair: tuple[Any, dict[str, Any]], i: int) -> tuple[Any, dict[str, Any]]:
    source, entry = pair[0], copy.deepcopy(pair[1])
    package = entry.get("package") or {}
    package["version"] = f"{package.get('version') or '0'}+bench{i}"
    return source, entry


def _osv_build(pairs: list[tuple[Any, dict[str, Any]]]) -> Any:
    results: dict[str, dict[str, Any]] = {}
    for source, entry in pairs:
        key = json.dumps(source, sort_keys=True)
        results.setdefault(key, {"source": source, "packages": []})["packages"].append(entry)
    return {"results": list(results.values())}


def _npm_items(doc: Any) -> list[Any]:
    """npm 7+ entries whose every ``via`` is an advisory (an entry naming another package
    would need that package beside it): (name, entry) for each of its advisories."""
    vulns = doc.get("vulnerabilities") if isinstance(doc, dict) and doc.get("auditReportVersion") == 2 else None
    if not isinstance(vulns, dict):
        return []
    return [(name, {**entry, "via": [via]}) for name, entry in vulns.items()
            if isinstance(entry, dict) and entry.get("via") and all(isinstance(v, dict) for v in entry["via"])
            for via in entry["via"]]


def _npm_vary(pair: tuple[str, dict[str, Any]], i: int) -> tuple[str, dict[str, Any]]:
    name = f"{pair[0]}-bench{i}"
    return name, {**copy.deepcopy(pair[1]), "name": name}


def _npm_build(pairs: list[tuple[str, dict[str, Any]]]) -> Any:
    counts = {"info": 0, "low": 0, "moderate": 0, "high": 0, "critical": 0}
    for _, entry in pairs:
        if entry.get("severity") in counts:
            counts[entry["severity"]] += 1
    return {"auditReportVersion": 2, "vulnerabilities": dict(pairs),
            "metadata": {"vulnerabilities": {**counts, "total": len(pairs)},
                         "dependencies": {"prod": len(pairs), "dev": 0, "optional": 0, "peer": 0, "peerOptional": 0,
                                          "total": len(pairs)}}}


def _trufflehog_items(doc: Any) -> list[Any]:
    items = doc if isinstance(doc, list) else [doc]
    return [e for e in items if isinstance(e, dict) and isinstance(e.get("SourceMetadata"), dict)]


def _trufflehog_vary(item: dict[str, Any], i: int) -> dict[str, Any]:
    item = copy.deepcopy(item)
    for found in (item["SourceMetadata"].get("Data") or {}).values():
        if isinstance(found, dict):
            found["line"] = i + 1
    return item


class JsonLines(list):  # type: ignore[type-arg]
    """A report written one JSON object per line (TruffleHog v3's ``--json``)."""


class _Tool(NamedTuple):
    items: Callable[[Any], list[Any]]
    """The entries of one corpus document."""
    vary: Callable[[Any, int], Any]
    """An entry made the ``i``-th problem."""
    build: Callable[[list[Any]], Any]
    """The report of the tool holding ``entries``."""


_TOOLS = {
    "gitleaks": _Tool(_list_items, _gitleaks_vary, list),
    "checkov": _Tool(_checkov_items, _checkov_vary, _checkov_build),
    "hadolint": _Tool(_list_items, _hadolint_vary, list),
    "pip-audit": _Tool(_pip_audit_items, _pip_audit_vary, _pip_audit_build),
    "sonarqube": _Tool(_sonarqube_items, _sonarqube_vary, _sonarqube_build),
    # The scanners of issue 17 that do not run here (their corpora only).
    "grype": _Tool(_in_envelope("matches"), _grype_vary, _envelope_build("matches")),
    "osv-scanner": _Tool(_osv_items, _osv_vary, _osv_build),
    "semgrep": _Tool(_in_envelope("results"), _semgrep_vary, _envelope_build("results")),
    "npm-audit": _Tool(_npm_items, _npm_vary, _npm_build),
    "trufflehog": _Tool(_trufflehog_items, _trufflehog_vary, JsonLines),
}
NEW_TOOLS = ("grype", "osv-scanner", "semgrep", "npm-audit", "trufflehog")
"""Tools beyond the six-tool mix, benchmarked one report each (bench/run.py)."""


def tool_pools(tool: str, folder: Path) -> dict[bool, list[Any]]:
    """fails -> the tool's corpus entries that gatekeeper reads alone and decides so."""
    from gatekeeper.adapters import AdapterError, detect, parse_document
    from gatekeeper.policy import evaluate, resolve_policy
    from gatekeeper.verdict import Outcome

    spec, policy = _TOOLS[tool], resolve_policy(None, None)
    entries: list[Any] = []
    for path in sorted([*(folder / tool).glob("*.json"), *(folder / tool).glob("*.jsonl")]):
        if "fabricated" in path.name:
            continue
        try:
            text = path.read_text(encoding="utf-8")
            try:
                doc = json.loads(text)
            except ValueError:  # JSON Lines (TruffleHog v3)
                doc = JsonLines(json.loads(line) for line in text.splitlines() if line.strip())
            if detect(doc, str(path)) != tool:
                continue
        except (ValueError, AdapterError):
            continue
        entries.extend(spec.items(doc))
    if tool == "gitleaks" and any("RuleID" in e for e in entries):
        entries = [e for e in entries if "RuleID" in e]  # one report is of one gitleaks version
    found: dict[bool, list[Any]] = {}
    for entry in entries:
        try:
            report = parse_document(spec.build([spec.vary(entry, 0)]), "entry.json", tool)
        except AdapterError:
            continue
        if report.findings:
            fails = evaluate([report], policy).count(Outcome.FAIL) > 0
            found.setdefault(fails, []).append(entry)
    return found


def other_tool(tool: str, n: int, failing: float, seed: int = 20) -> Any:
    """A ``tool`` report of ``n`` real corpus entries, ``failing`` of them failing (as far as
    the corpus has entries of both kinds)."""
    rng = random.Random(seed)
    found = tool_pools(tool, corpus_dir().parent)
    if not found:
        raise SystemExit(f"{corpus_dir().parent / tool}: no {tool} entries gatekeeper reads (set GATEKEEPER_SHARED)")
    spec = _TOOLS[tool]
    chosen = []
    for i in range(n):
        fails = rng.random() < failing
        pool = found.get(fails) or found[not fails]
        chosen.append(spec.vary(rng.choice(pool), i))
    return spec.build(chosen)


def file_name(findings: int, failing: float, tool: str = "trivy") -> str:
    return f"{tool}-real{round(failing * 100)}-{findings}.json"


_COMPACT = ("hadolint", "pip-audit", "sonarqube", "npm-audit")
"""Tools that write their JSON on one line (the others indent by two)."""


def generate(findings: int, failing: float, out: Path, tool: str = "trivy") -> Path:
    doc = trivy(findings, failing) if tool == "trivy" else other_tool(tool, findings, failing)
    out.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(doc, JsonLines):
        out.write_text("".join(json.dumps(item, separators=(",", ":")) + "\n" for item in doc), encoding="utf-8")
        return out
    indent = None if tool in _COMPACT else 2
    try:
        import orjson

        out.write_bytes(orjson.dumps(doc, option=orjson.OPT_INDENT_2 if indent else 0))
    except ImportError:
        out.write_text(json.dumps(doc, indent=indent), encoding="utf-8")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--findings", type=int, default=50_000)
    parser.add_argument("--failing", type=float, default=0.4, help="share of findings the default policy fails")
    parser.add_argument("--tool", default="trivy", choices=("trivy", *OTHER_TOOLS, *NEW_TOOLS))
    parser.add_argument("-o", "--output", type=Path, required=True)
    args = parser.parse_args(argv)
    generate(args.findings, args.failing, args.output, args.tool)
    return 0


if __name__ == "__main__":
    sys.exit(main())
