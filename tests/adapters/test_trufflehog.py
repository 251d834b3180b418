"""TruffleHog v3 adapter: JSON Lines, git/GitHub/filesystem sources, verified vs unverified,
secrets never in any output, v2 and trufflehog3 refused by name, corpus.

``tests/adapters/data/trufflehog-v3-git.jsonl`` is the corpus' ``trufflehog/defectdojo-trufflehog-v3_git.json``
and ``trufflehog-v3-github-one.json`` the first line of ``defectdojo-trufflehog-v3_github.json``
(DefectDojo's unit tests, BSD-3-Clause; canary keys of trufflesecurity/test_keys): TruffleHog
does not run here. The filesystem items below are written after TruffleHog's output
(pkg/output/json.go, source_metadatapb.Filesystem), marked as such.
"""

from __future__ import annotations

import base64
import copy
import json
from pathlib import Path
from typing import Any

import pytest

from gatekeeper.adapters import ReportFormatError, detect
from gatekeeper.adapters.trufflehog import TruffleHogAdapter
from gatekeeper.model import FixState, Kind, Severity
from gatekeeper.sources import load_report
from tests.conftest import CORPUS, ROOT, corpus_params, require_shared

SRC = "trufflehog.jsonl"
DATA = Path(__file__).parent / "data"
GIT = DATA / "trufflehog-v3-git.jsonl"
GITHUB_ONE = DATA / "trufflehog-v3-github-one.json"
RAW = "AKIAQWRR5IRGGAWJLI2L"
RAW_V2 = "AKIAQWRR5IRGGAWJLI2L:uRzq6fG0Nn4k5rXy0pQ2v9wTcL8bJdH3sMe7aVzY"


def parse(doc: Any, source: str = SRC):
    return TruffleHogAdapter().parse(doc, source)


def filesystem(**changes: Any) -> dict[str, Any]:
    """A filesystem result as TruffleHog 3.8x prints it (written here, not by the tool)."""
    item: dict[str, Any] = {
        "SourceMetadata": {"Data": {"Filesystem": {"file": "app/settings.py", "line": 12}}},
        "SourceID": 1, "SourceType": 15, "SourceName": "trufflehog - filesystem",
        "DetectorType": 2, "DetectorName": "AWS", "DetectorDescription": "Amazon Web Services keys.",
        "DecoderName": "PLAIN", "Verified": False, "Raw": RAW, "RawV2": RAW_V2, "Redacted": RAW,
        "ExtraData": {"resource_type": "Access key", "account": "123456789012"}, "StructuredData": None,
    }  # fmt: skip
    item.update(changes)
    return item


def jsonl(tmp_path: Path, *items: dict[str, Any], name: str = "th.jsonl") -> Path:
    path = tmp_path / name
    path.write_text("".join(json.dumps(i) + "\n" for i in items), encoding="utf-8")
    return path


# --- mapping ------------------------------------------------------------------------------------


def test_git_source_from_the_corpus_copy() -> None:
    report = load_report(str(GIT))
    assert (report.format, report.tool, report.warnings) == ("trufflehog", "trufflehog", ())
    # python3 -c "import json; print([(d['DetectorName'], d['Verified']) for d in map(json.loads, open('tests/adapters/data/trufflehog-v3-git.jsonl'))])"
    assert [(f.rule_id, f.status) for f in report.findings] == [
        ("AWS", "verified"), ("URI", "verified"), ("PrivateKey", "verified"), ("URI", "verified")
    ]
    first = report.findings[0]
    assert (first.kind, first.severity, first.tool_severity, first.fix) == (Kind.SECRET, Severity.CRITICAL, None, FixState.NOT_APPLICABLE)
    assert (first.location.path, first.location.start_line, first.location.target, first.location.resource) == (
        "keys", 4, "https://github.com/trufflesecurity/test_keys", "fbc14303ffbf8fb1c2c1914e8dda7d0121633aca"
    )
    assert first.title == "AWS secret in keys (verified)"
    assert "keys:4 https://github.com/trufflesecurity/test_keys [fbc14303ffbf8fb1c2c1914e8dda7d0121633aca]" in first.message
    # The same URI twice on one line of one commit (TruffleHog printed it twice): one fingerprint.
    assert report.findings[1].fingerprint == report.findings[3].fingerprint != first.fingerprint


def test_one_line_is_one_object_and_github_gives_a_link() -> None:
    doc = json.loads(GITHUB_ONE.read_bytes())
    assert isinstance(doc, dict) and detect(doc, GITHUB_ONE.name) == "trufflehog"
    (finding,) = load_report(str(GITHUB_ONE)).findings
    assert finding.location.target == "https://github.com/trufflesecurity/test_keys.git"
    assert finding.links == ("https://github.com/trufflesecurity/test_keys/blob/fbc14303ffbf8fb1c2c1914e8dda7d0121633aca/keys",)


def test_git_and_github_scans_of_one_leak_share_fingerprints() -> None:
    git = parse([json.loads(line) for line in GIT.read_text().splitlines()])
    github = parse(json.loads(GITHUB_ONE.read_bytes()))
    assert github.findings[0].fingerprint == git.findings[0].fingerprint


@pytest.mark.parametrize(
    ("changes", "status", "severity"),
    [
        ({"Verified": True}, "verified", Severity.CRITICAL),
        ({"Verified": False}, "unverified", Severity.HIGH),
        ({"Verified": False, "VerificationError": f"Get https://x/?key={RAW}: timeout"}, "unknown", Severity.HIGH),
    ],
)
def test_verified_unverified_unknown(changes: dict[str, Any], status: str, severity: Severity) -> None:
    (finding,) = parse([filesystem(**changes)]).findings
    assert (finding.status, finding.severity) == (status, severity)
    assert finding.title == f"AWS secret in app/settings.py ({status})"
    assert (finding.location.path, finding.location.start_line, finding.location.target, finding.location.resource) == (
        "app/settings.py", 12, None, None
    )


def test_status_does_not_change_the_fingerprint() -> None:
    a, b = parse([filesystem(Verified=True), filesystem(Verified=False)]).findings
    assert a.fingerprint == b.fingerprint


def test_no_line_and_another_source() -> None:
    item = filesystem(SourceMetadata={"Data": {"Docker": {"image": "app:1", "file": "/etc/key", "layer": "sha256:aa"}}})
    report = parse([item, filesystem(SourceMetadata={"Data": {"Filesystem": {"file": "a.txt"}}})])
    docker, fs = report.findings
    assert (docker.location.path, docker.location.target, docker.location.start_line) == ("/etc/key", "app:1", None)
    assert fs.location.start_line is None
    assert report.warnings == ("results from TruffleHog's Docker source: read by its file, line, commit, repository, image, bucket and link, where present",)


# --- secrets ------------------------------------------------------------------------------------


def test_secret_values_never_reach_a_finding() -> None:
    item = filesystem(VerificationError=f"Get https://x/?key={RAW}: timeout")
    (finding,) = parse([item]).findings
    text = " ".join([finding.title, finding.message, finding.fingerprint, finding.rule_id, *finding.links])
    assert RAW not in text and "123456789012" not in text and "timeout" not in text
    assert finding.raw is not None
    for key in ("Raw", "RawV2", "Redacted", "ExtraData", "StructuredData", "VerificationError"):
        assert finding.raw[key] == "[REDACTED]"
    assert RAW not in json.dumps(dict(finding.raw))
    assert item["Raw"] == RAW  # the document itself is not changed


def needles() -> set[str]:
    """The secret values of the samples, as written and (early v3: base64 Raw) decoded."""
    out = {RAW, RAW_V2, "123456789012"}
    for line in GIT.read_text().splitlines():
        item = json.loads(line)
        out.add(item["Raw"])
        out.update(part for part in base64.b64decode(item["Raw"]).decode().splitlines() if len(part) >= 12)
        if "PRIVATE KEY" not in item["Redacted"]:  # the key's first line is in its Redacted
            out.add(item["Redacted"])
        out.update((item.get("ExtraData") or {}).values())
    return {n for n in out if len(n) >= 12}


def test_no_secret_in_any_output(tmp_path: Path) -> None:
    """`gatekeeper check` over the samples, writing every output format (as tests/reporters/test_redaction.py)."""
    import os
    import subprocess
    import sys

    reports = tmp_path / "reports"
    reports.mkdir()
    (reports / "th-git.jsonl").write_bytes(GIT.read_bytes())
    jsonl(reports, filesystem(), filesystem(Verified=True, VerificationError=f"bad {RAW}"), name="th-fs.jsonl")
    outputs = {"--sarif": "out.sarif", "--json": "out.json", "--markdown": "out.md", "--junit": "out.xml", "--html": "out.html"}
    args = [arg for flag, name in outputs.items() for arg in (flag, str(tmp_path / name))]
    done = subprocess.run(
        [sys.executable, "-m", "gatekeeper", "check", "--max-listed", "1000", str(reports), *args, "--annotations"],
        capture_output=True, text=True, cwd=ROOT, env={**os.environ, "NO_COLOR": "1", "GITHUB_ACTIONS": "true"},
        timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr[-2000:]
    texts = {"stdout": done.stdout, "stderr": done.stderr}
    texts.update({name: (tmp_path / name).read_text(encoding="utf-8") for name in outputs.values()})
    assert "AWS secret in keys (verified)" in texts["out.json"]
    assert len(needles()) >= 8
    leaks = sorted({(where, n) for n in needles() for where, text in texts.items() if n in text})
    assert not leaks, f"secret values in the output: {leaks[:10]}"


# --- refusals -----------------------------------------------------------------------------------


V2_ITEM = {"branch": "origin/dev", "commit": "msg", "commitHash": "288f", "date": "2021-01-30 19:50:09",
           "diff": "...", "path": "a.py", "printDiff": "...", "reason": "High Entropy", "stringsFound": ["x"]}  # fmt: skip
TRUFFLEHOG3_ITEM = {"rule": {"id": "high-entropy", "message": "High Entropy", "severity": "HIGH"}, "path": "a",
                    "line": "3", "secret": "x", "context": {}, "id": "6ac0", "branch": "b", "message": "m",
                    "author": "a", "commit": "9c3f", "date": "2021-10-08T20:14:27+02:00"}  # fmt: skip


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ([V2_ITEM], r"\$\[0\]: TruffleHog v2 output \(reason, stringsFound\): gatekeeper reads TruffleHog v3's --json output"),
        (V2_ITEM, r"\$\[0\]: TruffleHog v2 output"),
        ([TRUFFLEHOG3_ITEM], r"\$\[0\]: trufflehog3 output \(rule, secret\), another tool than TruffleHog v3"),
        ([filesystem(), V2_ITEM], r"\$\[1\]: TruffleHog v2 output"),
        ([filesystem(), {"a": 1}], r"\$\[1\]\.DetectorName: missing"),
        ([filesystem(Verified="true")], r"\$\[0\]\.Verified: expected a boolean, got a string"),
        ([filesystem(DetectorType="AWS")], r"\$\[0\]\.DetectorType: expected an integer"),
        ([filesystem(SourceMetadata={"Data": {}})], r"\$\[0\]\.SourceMetadata\.Data: expected one source, got 0"),
        ([filesystem(SourceMetadata={"Data": {"Filesystem": {"file": "a", "line": "3"}}})],
         r"\$\[0\]\.SourceMetadata\.Data\.Filesystem\.line: expected an integer"),
        ([filesystem(Raw=None)], r"\$\[0\]\.Raw: expected a string, got null"),
        ([], r"\$: an empty list is not TruffleHog v3 output"),
        (None, r"\$: an empty null is not TruffleHog v3 output"),
    ],
)
def test_refusals(doc: Any, message: str) -> None:
    with pytest.raises(ReportFormatError, match=f"^{SRC}: {message}"):
        parse(copy.deepcopy(doc))


def test_v2_and_trufflehog3_are_detected_to_be_refused_by_name() -> None:
    assert detect([V2_ITEM], "x.json") == detect([TRUFFLEHOG3_ITEM], "x.json") == detect(V2_ITEM, "x.json") == "trufflehog"


def test_a_truncated_last_line_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "th.jsonl"
    path.write_bytes(GIT.read_bytes()[:-40])
    with pytest.raises(Exception, match=rf"^{path}: invalid JSON at line 4 column \d+: truncated"):
        load_report(str(path))


# --- corpus ---------------------------------------------------------------------------------------

# Findings per corpus file (objects per line), derived independently:
#   for f in ../shared/corpus/trufflehog/*; do python3 -c "import json,sys; \
#     print(sys.argv[1], sum(1 for l in open(sys.argv[1]) if l.strip() and 'DetectorName' in json.loads(l)))" $f; done
# (dd_v3_git_early.jsonl is byte for byte defectdojo-trufflehog-v3_git.json; `wc -l` says 3: no final newline.)
CORPUS_EXPECTED = {
    "dd_v3_git_early.jsonl": (4, "Git"),
    "defectdojo-trufflehog-v3_git.json": (4, "Git"),
    "defectdojo-trufflehog-v3_github.json": (4, "Github"),
}
CORPUS_REJECTED = {
    "defectdojo-trufflehog-v2_many_vulns.json": r"\$\[0\]: TruffleHog v2 output",
    "defectdojo-trufflehog3-many_vulns_current.json": r"\$\[0\]: trufflehog3 output",
}


@pytest.mark.parametrize("path", corpus_params("trufflehog"))
def test_corpus(path: Path | None) -> None:
    if path is None:
        require_shared()
    assert path is not None
    if path.name in CORPUS_REJECTED:
        with pytest.raises(ReportFormatError, match=f"^{path}: {CORPUS_REJECTED[path.name]}"):
            load_report(str(path))
        return
    assert path.name in CORPUS_EXPECTED, f"new corpus file {path.name}: add its expected count"
    count, source = CORPUS_EXPECTED[path.name]
    report = load_report(str(path), keep_raw=True)
    assert len(report.findings) == count
    assert {f.status for f in report.findings} == {"verified"}
    assert {f.severity for f in report.findings} == {Severity.CRITICAL}
    assert all(source in f.raw["SourceMetadata"]["Data"] and f.raw["Raw"] == "[REDACTED]" for f in report.findings if f.raw)


def test_corpus_early_v3_is_the_git_sample() -> None:
    require_shared()
    assert (CORPUS / "trufflehog" / "dd_v3_git_early.jsonl").read_bytes() == GIT.read_bytes()
