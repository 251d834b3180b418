"""Generate large, realistic scanner reports for the benchmark.

Each tool's report is shaped like the real outputs in ``fixtures/reports/`` and the Trivy
corpus (field names, nesting, indentation, typical sizes of descriptions and reference
lists), with identifiers varied so that no two findings are the same problem::

    python bench/generate.py --tool trivy --findings 50000 -o bench/data/trivy-50000.json
    python bench/generate.py --findings 10000 -o bench/data/      # all six tools

Output is deterministic for a given tool and size (seeded), so a benchmark can cache it.
Uses orjson to write when it is installed (a gatekeeper dependency; pretty-printing 1M
findings with the standard library takes minutes); the bytes differ only in insignificant
whitespace. Trivy reports of 100k findings and more are written result by result, so a
1M-finding report (2.5 GB) never sits whole in the generator's memory.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

TOOLS = ("trivy", "gitleaks", "checkov", "hadolint", "pip-audit", "sonarqube")

# Severity mixes seen in real image and code scans: most findings are medium or low.
_TRIVY_SEVERITIES = (["CRITICAL"] * 4 + ["HIGH"] * 18 + ["MEDIUM"] * 45 + ["LOW"] * 28 + ["UNKNOWN"] * 5)
_STATUSES = ["fixed"] * 60 + ["affected"] * 25 + ["will_not_fix"] * 10 + ["fix_deferred"] * 5

_DESCRIPTIONS = [
    "OpenSSL 1.1.1 introduced a rewritten random number generator (RNG). This was intended to include "
    "protection in the event of a fork() system call in order to ensure that the parent and child processes "
    "did not share the same RNG state. However this protection was not being used in the default case.",
    "When reading a specially crafted ZIP archive, the read method of Apache Commons Compress 1.7 to 1.17's "
    "ZipArchiveInputStream can fail to return the correct EOF indication after the end of the stream has been "
    "reached. When combined with a java.io.InputStreamReader this can lead to an infinite stream.",
    "A heap-based buffer overflow in the parser allows remote attackers to cause a denial of service "
    "(application crash) or possibly execute arbitrary code via a crafted input file.",
    "An issue was discovered in the HTTP/2 implementation: a client can cause excessive memory consumption "
    "by sending a large number of small frames with a slow read rate (rapid reset).",
]
_TITLES = [
    "openssl: information disclosure in fork()",
    "apache-commons-compress: ZipArchiveInputStream.read() fails to identify correct EOF allowing for DoS",
    "libxml2: heap-based buffer overflow in xmlParseCharData",
    "golang: net/http: HTTP/2 rapid reset can cause excessive work",
]
_REFERENCES = [
    "https://access.redhat.com/security/cve/{cve}",
    "https://cve.mitre.org/cgi-bin/cvename.cgi?name={cve}",
    "https://nvd.nist.gov/vuln/detail/{cve}",
    "https://ubuntu.com/security/notices/USN-4376-1",
    "https://www.debian.org/security/2019/dsa-4539",
    "https://security.netapp.com/advisory/ntap-20190919-0002/",
    "https://lists.fedoraproject.org/archives/list/package-announce@lists.fedoraproject.org/message/GY6SNRJP2S7Y42GIIDO3HXPNMDYN2U3A/",
    "https://www.oracle.com/security-alerts/cpuapr2020.html",
    "https://github.com/advisories/GHSA-hrmr-f5m6-m9pq",
    "https://linux.oracle.com/errata/ELSA-2020-1840.html",
]
_OS_PACKAGES = ["openssl", "libcrypto3", "libssl3", "musl", "busybox", "zlib", "libxml2", "curl", "expat", "sqlite-libs"]
_LANG_TYPES = [("jar", "app/libs/{name}-{ver}.jar"), ("npm", "app/node_modules/{name}/package.json"),
               ("pip", "app/requirements.txt"), ("gomod", "app/go.mod")]


def _write(doc: Any, out: Path, indent: int | None) -> None:
    try:
        import orjson
    except ImportError:
        with out.open("w", encoding="utf-8") as fh:
            json.dump(doc, fh, indent=indent)
        return
    option = orjson.OPT_INDENT_2 if indent else 0
    out.write_bytes(orjson.dumps(doc, option=option))


def _has_orjson() -> bool:
    try:
        import orjson  # noqa: F401
    except ImportError:
        return False
    return True


def _cve(i: int) -> str:
    return f"CVE-{2015 + i % 10}-{10000 + i}"


# -- Trivy -------------------------------------------------------------------------------------


def _trivy_vuln(rng: random.Random, i: int, pkg: str, ver: str, purl_type: str, pkg_path: str | None) -> dict[str, Any]:
    cve = _cve(i)
    severity = rng.choice(_TRIVY_SEVERITIES)
    status = rng.choice(_STATUSES)
    score = {"CRITICAL": 9.8, "HIGH": 7.5, "MEDIUM": 5.3, "LOW": 3.1, "UNKNOWN": 0.0}[severity]
    refs = [r.format(cve=cve) for r in _REFERENCES[: rng.randint(3, len(_REFERENCES))]]
    k = i % len(_TITLES)
    item: dict[str, Any] = {
        "VulnerabilityID": cve,
        "PkgID": f"{pkg}@{ver}",
        "PkgName": pkg,
        "PkgIdentifier": {"PURL": f"pkg:{purl_type}/{pkg}@{ver}", "UID": f"{i:016x}"},
        "InstalledVersion": ver,
        "FixedVersion": f"{ver}.{i % 7 + 1}" if status == "fixed" else "",
        "Status": status,
        "Layer": {"Digest": f"sha256:{i % 13:064x}", "DiffID": f"sha256:{i % 13 + 1:064x}"},
        "SeveritySource": "nvd",
        "PrimaryURL": f"https://avd.aquasec.com/nvd/{cve.lower()}",
        "DataSource": {"ID": "alpine", "Name": "Alpine Secdb", "URL": "https://secdb.alpinelinux.org/"},
        "Title": _TITLES[k],
        "Description": _DESCRIPTIONS[k],
        "Severity": severity,
        "CweIDs": [f"CWE-{100 + i % 700}"],
        "VendorSeverity": {"nvd": 3, "redhat": 2, "ubuntu": 2},
        "CVSS": {
            "nvd": {"V3Vector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N", "V3Score": score,
                    "V2Vector": "AV:N/AC:L/Au:N/C:P/I:N/A:N", "V2Score": 5.0},
            "redhat": {"V3Vector": "CVSS:3.0/AV:N/AC:H/PR:N/UI:N/S:U/C:L/I:L/A:N", "V3Score": 4.8},
        },
        "References": refs,
        "PublishedDate": "2019-09-10T17:15:00Z",
        "LastModifiedDate": "2020-10-20T22:15:00Z",
    }
    if pkg_path:
        item["PkgPath"] = pkg_path
    return item


def trivy(n: int, rng: random.Random) -> Any:
    """``trivy image --format json`` of a large image: OS packages plus many language lock files."""
    return {**_trivy_head(), "Results": list(_trivy_results(n, rng))}


def _trivy_head() -> dict[str, Any]:
    return {
        "SchemaVersion": 2,
        "Trivy": {"Version": "0.59.1"},
        "CreatedAt": "2025-01-20T10:00:00.000000000Z",
        "ArtifactName": "registry.example.com/shop/api:1.42.0",
        "ArtifactType": "container_image",
        "Metadata": {"OS": {"Family": "alpine", "Name": "3.19.1"},
                     "ImageID": "sha256:" + "ab" * 32, "RepoTags": ["registry.example.com/shop/api:1.42.0"]},
    }


def _trivy_results(n: int, rng: random.Random) -> Iterator[dict[str, Any]]:
    os_count = n * 2 // 5
    os_vulns = [
        _trivy_vuln(rng, i, f"{_OS_PACKAGES[i % len(_OS_PACKAGES)]}{i // 400 or ''}", f"1.{i % 9}.{i % 31}-r{i % 5}",
                    "apk/alpine", None)
        for i in range(os_count)
    ]
    yield {"Target": "registry.example.com/shop/api:1.42.0 (alpine 3.19.1)", "Class": "os-pkgs",
           "Type": "alpine", "Vulnerabilities": os_vulns}
    del os_vulns
    i, file_no = os_count, 0
    while i < n:
        ltype, pattern = _LANG_TYPES[file_no % len(_LANG_TYPES)]
        count = min(n - i, 150)
        name = f"component-{file_no}"
        target = pattern.format(name=name, ver="2.1.9")
        vulns = [_trivy_vuln(rng, i + j, f"org.example:{name}-{j % 20}", f"2.{j % 9}.{j % 17}", ltype,
                             target if ltype == "jar" else None) for j in range(count)]
        yield {"Target": target, "Class": "lang-pkgs", "Type": ltype, "Vulnerabilities": vulns}
        i += count
        file_no += 1


def _write_trivy(n: int, rng: random.Random, out: Path) -> None:
    """Trivy reports of 100k findings and more: written result by result, never whole in memory."""
    import orjson

    head = orjson.dumps(_trivy_head(), option=orjson.OPT_INDENT_2)
    with out.open("wb") as fh:
        fh.write(head[:-2] + b',\n  "Results": [\n')
        for k, result in enumerate(_trivy_results(n, rng)):
            fh.write((b",\n" if k else b"") + orjson.dumps(result, option=orjson.OPT_INDENT_2))
        fh.write(b"\n  ]\n}")


# -- gitleaks, hadolint, pip-audit -------------------------------------------------------------

_GITLEAKS_RULES = [("generic-api-key", "Detected a Generic API Key, potentially exposing access to various services."),
                   ("aws-access-token", "Identified a pattern that may indicate AWS credentials."),
                   ("slack-bot-token", "Identified a Slack Bot token, which may compromise bot integrations."),
                   ("private-key", "Identified a Private Key, which may compromise cryptographic security.")]


def gitleaks(n: int, rng: random.Random) -> Any:
    """``gitleaks detect --report-format json`` over a long history."""
    out = []
    for i in range(n):
        rule, desc = _GITLEAKS_RULES[i % len(_GITLEAKS_RULES)]
        path = f"services/svc-{i // 50}/config/settings_{i % 50}.py"
        line = 1 + i % 300
        secret = f"AKIA{rng.getrandbits(64):016X}"
        commit = f"{rng.getrandbits(160):040x}"
        out.append({
            "RuleID": rule, "Description": desc, "StartLine": line, "EndLine": line, "StartColumn": 18,
            "EndColumn": 58, "Match": f"api_key = \"{secret}\"", "Secret": secret, "File": path,
            "SymlinkFile": "", "Commit": commit, "Entropy": 4.5, "Author": "Dev Eloper",
            "Email": "dev@example.com", "Date": "2024-05-01T10:00:00Z", "Message": "add configuration",
            "Tags": [], "Fingerprint": f"{commit}:{path}:{rule}:{line}",
        })
    return out


_HADOLINT = [("DL3007", "warning", "Using latest is prone to errors if the image will ever update. Pin the version explicitly to a release tag"),
             ("DL3008", "warning", "Pin versions in apt get install. Instead of `apt-get install <package>` use `apt-get install <package>=<version>`"),
             ("DL3002", "warning", "Last USER should not be root"),
             ("SC2086", "info", "Double quote to prevent globbing and word splitting."),
             ("DL4006", "warning", "Set the SHELL option -o pipefail before RUN with a pipe in it"),
             ("DL3020", "error", "Use COPY instead of ADD for files and folders")]


def hadolint(n: int, rng: random.Random) -> Any:
    """``hadolint -f json`` over every Dockerfile of a monorepo."""
    return [{"code": c, "column": 1, "file": f"services/svc-{i // 40}/Dockerfile", "level": lvl,
             "line": 1 + i % 40, "message": msg}
            for i in range(n) for c, lvl, msg in (_HADOLINT[rng.randrange(len(_HADOLINT))],)]


def pip_audit(n: int, rng: random.Random) -> Any:
    """``pip-audit -f json`` over a large locked environment: about four vulnerabilities a package."""
    deps, i = [], 0
    while i < n:
        count = min(n - i, 4)
        vulns = [{"id": f"PYSEC-{2019 + (i + j) % 6}-{i + j}", "fix_versions": [f"2.{(i + j) % 9}.{j + 3}"],
                  "aliases": [f"GHSA-{(i + j):04x}-2f49-8h26", _cve(i + j)],
                  "description": _DESCRIPTIONS[(i + j) % len(_DESCRIPTIONS)]} for j in range(count)]
        deps.append({"name": f"package-{len(deps)}", "version": f"1.{len(deps) % 10}.0", "vulns": vulns})
        i += count
    return {"dependencies": deps, "fixes": []}


# -- checkov, sonarqube ------------------------------------------------------------------------

_CHECKOV = [("CKV_K8S_12", "Memory requests should be set", "kubernetes", "Deployment.default.api-{k}"),
            ("CKV_AWS_20", "S3 Bucket has an ACL defined which allows public READ access.", "terraform", "aws_s3_bucket.data_{k}"),
            ("CKV_DOCKER_3", "Ensure that a user for the container has been created", "dockerfile", "/services/svc-{k}/Dockerfile."),
            ("CKV_K8S_16", "Container should not be privileged", "kubernetes", "Deployment.default.worker-{k}")]


def checkov(n: int, rng: random.Random) -> Any:
    """``checkov -o json`` over a monorepo: one block per framework with many failed checks."""
    blocks: dict[str, list[dict[str, Any]]] = {}
    for i in range(n):
        check_id, name, framework, resource = _CHECKOV[i % len(_CHECKOV)]
        start = 1 + i % 200
        path = f"/infra/module-{i // 100}/main.{'tf' if framework == 'terraform' else 'yaml'}"
        blocks.setdefault(framework, []).append({
            "check_id": check_id, "bc_check_id": None, "check_name": name,
            "check_result": {"result": "FAILED", "evaluated_keys": ["spec/template/spec/containers/[0]/resources"]},
            "code_block": [[start + k, f"  line {k} of the resource\n"] for k in range(6)],
            "file_path": path, "file_abs_path": f"/src{path}", "repo_file_path": path,
            "file_line_range": [start, start + 5], "resource": resource.format(k=i),
            "evaluations": {}, "check_class": "checkov.common.checks.Check", "fixed_definition": None,
            "entity_tags": None, "caller_file_path": None, "caller_file_line_range": None,
            "resource_address": None, "severity": None, "bc_category": None, "benchmarks": None,
            "description": None, "short_description": None, "vulnerability_details": None,
            "connected_node": None, "guideline": f"https://docs.prismacloud.io/en/policy-reference/{check_id.lower()}",
            "details": [], "check_len": None, "definition_context_file_path": None,
        })
    return [{"check_type": ct,
             "results": {"passed_checks": [], "failed_checks": failed, "skipped_checks": [], "parsing_errors": []},
             "summary": {"passed": 0, "failed": len(failed), "skipped": 0, "parsing_errors": 0,
                         "resource_count": len(failed), "checkov_version": "3.3.30"},
             "url": "Add an api key '--bc-api-key <api-key>' to see more detailed insights via https://bridgecrew.cloud"}
            for ct, failed in blocks.items()]


_SONAR = [("python:S4830", "VULNERABILITY", "CRITICAL", "HIGH", "Enable server certificate validation on this SSL/TLS connection."),
          ("java:S1144", "CODE_SMELL", "MAJOR", "MEDIUM", "Remove this unused private \"getKee\" method."),
          ("javascript:S2068", "VULNERABILITY", "BLOCKER", "HIGH", "Review this potentially hard-coded password."),
          ("java:S2259", "BUG", "MINOR", "LOW", "A \"NullPointerException\" could be thrown; \"conn\" is nullable here.")]


def sonarqube(n: int, rng: random.Random) -> Any:
    """``api/issues/search`` pages of a large project, concatenated into one response."""
    issues, components = [], {}
    for i in range(n):
        rule, typ, sev, impact, msg = _SONAR[i % len(_SONAR)]
        path = f"src/module_{i // 100}/file_{i % 100}.py"
        comp = f"acme:shop:{path}"
        components[comp] = {"key": comp, "enabled": True, "qualifier": "FIL", "name": f"file_{i % 100}.py",
                            "longName": path, "path": path}
        line = 1 + i % 500
        issues.append({
            "key": f"AY{i:012d}", "rule": rule, "severity": sev, "component": comp, "project": "acme:shop",
            "line": line, "hash": f"{rng.getrandbits(128):032x}",
            "textRange": {"startLine": line, "endLine": line, "startOffset": 4, "endOffset": 40},
            "flows": [], "status": "OPEN", "message": msg, "effort": "10min", "debt": "10min",
            "author": "dev@example.com", "tags": ["cwe", "owasp-a3"], "creationDate": "2024-05-01T10:00:00+0000",
            "updateDate": "2024-05-01T10:00:00+0000", "type": typ, "scope": "MAIN",
            "cleanCodeAttribute": "TRUSTWORTHY", "cleanCodeAttributeCategory": "RESPONSIBLE",
            "impacts": [{"softwareQuality": "SECURITY", "severity": impact}], "issueStatus": "OPEN",
        })
    return {"total": n, "p": 1, "ps": n, "paging": {"pageIndex": 1, "pageSize": n, "total": n},
            "effortTotal": 10 * n, "issues": issues, "components": list(components.values()), "facets": []}


GENERATORS: dict[str, tuple[Callable[[int, random.Random], Any], int | None]] = {
    # tool -> (generator, indent as the real tool writes it)
    "trivy": (trivy, 2),
    "gitleaks": (gitleaks, 2),
    "checkov": (checkov, 2),
    "hadolint": (hadolint, None),
    "pip-audit": (pip_audit, None),
    "sonarqube": (sonarqube, None),
}


def file_name(tool: str, findings: int) -> str:
    return f"{tool}-{findings}.json"


def generate(tool: str, findings: int, out: Path) -> Path:
    """Write one report of ``findings`` findings; returns its path."""
    make, indent = GENERATORS[tool]
    if out.is_dir():
        out = out / file_name(tool, findings)
    out.parent.mkdir(parents=True, exist_ok=True)
    rng = random.Random(f"{tool}:{findings}")
    if tool == "trivy" and findings >= 100_000 and _has_orjson():
        _write_trivy(findings, rng, out)
        return out
    _write(make(findings, rng), out, indent)
    return out


def parse_size(text: str) -> int:
    """``1k`` -> 1000, ``1m`` -> 1000000, ``2500`` -> 2500."""
    text = text.strip().lower().replace("_", "")
    scale = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
    return int(float(text[:-1] if scale > 1 else text) * scale)


def _iter_tools(choice: str | None) -> Iterator[str]:
    yield from ([choice] if choice else TOOLS)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tool", choices=TOOLS, help="one tool (default: all six)")
    parser.add_argument("--findings", type=parse_size, default=10_000, help="findings per report (1k, 50k, 1m ...)")
    parser.add_argument("-o", "--output", type=Path, default=Path("bench/data"), help="file, or directory")
    args = parser.parse_args(argv)
    if args.tool is None:
        args.output.mkdir(parents=True, exist_ok=True)
    for tool in _iter_tools(args.tool):
        path = generate(tool, args.findings, args.output)
        print(f"{path}: {args.findings} {tool} findings, {path.stat().st_size / 1e6:.1f} MB", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
