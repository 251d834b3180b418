"""One scan, one set of findings, whatever format it was handed over in (issue 15).

The real tools wrote each scan of ``fixtures/targets`` twice, as JSON and as SARIF
(fixtures/README.md). Read by the tool's JSON adapter and by the SARIF adapter, the two give
the same normalised findings, the same fingerprints (a baseline made from one applies to
the other), and a gate given both sees one scan twice. What a SARIF log genuinely lacks is
listed in docs/reports.md ("JSON and SARIF of one scan") and stated here, per pair.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from gatekeeper.adapters.checkov import CheckovAdapter
from gatekeeper.adapters.gitleaks import GitleaksAdapter
from gatekeeper.adapters.hadolint import HadolintAdapter
from gatekeeper.adapters.interface import Adapter
from gatekeeper.adapters.sarif import SarifAdapter
from gatekeeper.adapters.trivy import TrivyAdapter
from gatekeeper.integrity import ProblemKind, duplicate_reports
from gatekeeper.model import Finding, Kind, Location, Report, Severity
from tests.conftest import REPORTS, ROOT

PAIRS: dict[str, type[Adapter]] = {
    "checkov": CheckovAdapter,
    "hadolint": HadolintAdapter,
    "trivy-fs": TrivyAdapter,
    "gitleaks": GitleaksAdapter,
}


def read(name: str, fmt: str) -> Report:
    adapter = SarifAdapter() if fmt == "sarif" else PAIRS[name]()
    path = REPORTS / f"{name}.{fmt}"
    return adapter.parse(json.loads(path.read_text(encoding="utf-8")), str(path))


def paired(name: str) -> list[tuple[Finding, Finding]]:
    def key(f: Finding) -> tuple[str, ...]:
        loc = f.location
        return (f.rule_id, loc.path or "", str(loc.start_line), str(loc.end_line), f.title)

    from_json = sorted(read(name, "json").findings, key=key)
    from_sarif = sorted(read(name, "sarif").findings, key=key)
    assert len(from_json) == len(from_sarif)
    return list(zip(from_json, from_sarif, strict=True))


# What each SARIF log lacks, as a predicate on the JSON finding and the field that differs
# (docs/reports.md). Everything else must be equal.
def _hadolint_style(j: Finding) -> bool:
    return j.tool_severity == "style"  # hadolint's SARIF writes `note` for info and style


def _trivy_resource(j: Finding) -> bool:
    return j.location.resource is not None  # CauseMetadata.Resource is not in Trivy's SARIF


def _checkov_secret(j: Finding) -> bool:
    # A secret's resource is a hash of the secret: recovered from the rule's help for a
    # check's first result only (its snippet is masked). Not fingerprinted: check, file, line.
    return j.kind is Kind.SECRET


LACKS: dict[str, dict[str, Callable[[Finding], bool]]] = {
    "hadolint": {"severity": _hadolint_style},
    "trivy-fs": {"resource": _trivy_resource},
    "checkov": {"resource": _checkov_secret},
    "gitleaks": {},
}


def differs(name: str, field: str, j: Finding) -> bool:
    lacks = LACKS[name].get(field)
    return lacks is not None and lacks(j)


@pytest.mark.parametrize("name", PAIRS)
def test_the_normalised_fields_are_the_same_from_json_and_from_sarif(name: str) -> None:
    for j, s in paired(name):
        assert (s.tool, s.kind, s.rule_id, s.title) == (j.tool, j.kind, j.rule_id, j.title)
        assert (s.location.path, s.location.start_line, s.location.end_line) == (
            j.location.path, j.location.start_line, j.location.end_line), j.rule_id
        assert (s.suppression is None) == (j.suppression is None), j.rule_id
        if not differs(name, "severity", j):
            assert s.severity is j.severity, j.rule_id
        if not differs(name, "resource", j):
            assert s.location.resource == j.location.resource, j.rule_id
        if not differs(name, "fingerprint", j):
            assert s.fingerprint == j.fingerprint, (j.rule_id, j.location)


def test_what_the_sarif_logs_lack_is_what_the_docs_say() -> None:
    # hadolint: info and style are both `note` (LOW); its SARIF has no rules to recover them.
    style = [(j, s) for j, s in paired("hadolint") if j.tool_severity == "style"]
    assert style and all(j.severity is Severity.INFO and s.severity is Severity.LOW for j, s in style)
    assert {s.tool_severity for _, s in paired("hadolint")} <= {"error", "warning", "note"}
    # checkov: the resource of a check's later results is recovered (help, region, snippet),
    # except a secret's (a hash of the secret, masked in SARIF), which no fingerprint uses.
    assert all(s.fingerprint == j.fingerprint for j, s in paired("checkov"))
    lost = [j for j, s in paired("checkov") if s.location.resource != j.location.resource]
    assert [(j.rule_id, j.location.start_line) for j in lost] == [("CKV_SECRET_2", 5)]
    # trivy: the SARIF log carries no CauseMetadata.Resource (29 Terraform misconfigurations
    # name one), which no fingerprint uses.
    trivy = paired("trivy-fs")
    assert all(j.fingerprint == s.fingerprint for j, s in trivy)
    assert sum(_trivy_resource(j) for j, _ in trivy) == 29
    assert all(s.location.target is None and s.location.resource is None for _, s in trivy)


def test_checkov_sarif_levels_are_not_ratings() -> None:
    report = read("checkov", "sarif")
    assert {f.severity for f in report.findings} == {Severity.UNKNOWN}
    assert {f.tool_severity for f in report.findings} == {None}


def test_trivy_sarif_line_one_is_no_line_except_for_secrets() -> None:
    by_rule = {f.rule_id: f.location for f in read("trivy-fs", "sarif").findings}
    assert by_rule["DS002"].start_line is None and by_rule["KSV110"].start_line is None
    assert by_rule["private-key"].start_line == 1


def gk(*args: str | Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(ROOT)}
    env.pop("GITHUB_ACTIONS", None)
    env.pop("GATEKEEPER_ENV", None)
    return subprocess.run([sys.executable, "-m", "gatekeeper", *map(str, args)], capture_output=True,
                          text=True, cwd=ROOT, env=env, timeout=180)


@pytest.mark.parametrize("name", PAIRS)
@pytest.mark.parametrize("first", ["json", "sarif"])
def test_a_baseline_made_from_one_format_applies_to_the_other(name: str, first: str, tmp_path: Path) -> None:
    other = "sarif" if first == "json" else "json"
    made = gk("baseline", "create", REPORTS / f"{name}.{first}", "-o", tmp_path / "b.json")
    assert made.returncode == 0, made.stderr
    checked = gk("check", "--baseline", tmp_path / "b.json", REPORTS / f"{name}.{other}")
    found = re.search(r"(\d+) new findings?", checked.stderr + checked.stdout)
    # Every finding's fingerprint is the same from either format: nothing is new.
    assert all(j.fingerprint == s.fingerprint for j, s in paired(name))
    assert found is not None and int(found.group(1)) == 0, checked.stderr
    assert checked.returncode == 0, checked.stderr


@pytest.mark.parametrize("name", PAIRS)
def test_the_json_and_the_sarif_of_one_scan_are_one_report_given_twice(name: str) -> None:
    [problem] = duplicate_reports([read(name, "json"), read(name, "sarif")])
    assert problem.kind is ProblemKind.DUPLICATE
    assert problem.sources == (str(REPORTS / f"{name}.json"), str(REPORTS / f"{name}.sarif"))
    assert "two formats" in problem.message


def test_other_scans_in_other_formats_are_not_duplicates() -> None:
    # trivy config and trivy fs of one folder: two scans (63 and 70 findings).
    assert duplicate_reports([read("trivy-fs", "sarif"), TrivyAdapter().parse(
        json.loads((REPORTS / "trivy-config.json").read_text(encoding="utf-8")), "trivy-config.json")]) == []
    assert duplicate_reports([read("hadolint", "json"), read("checkov", "sarif")]) == []


@pytest.mark.parametrize(("location", "shown"), [
    (Location(path="Dockerfile", start_line=12, target="."), "Dockerfile:12"),
    (Location(path="fixtures/targets/Dockerfile", start_line=9, target="fixtures/targets"),
     "fixtures/targets/Dockerfile:9"),
    (Location(path="fixtures/targets/Dockerfile", start_line=9, target="fixtures/targets/"),
     "fixtures/targets/Dockerfile:9"),
    (Location(path="app/requirements.txt", target="python:3.12 (debian 12.5)"),
     "app/requirements.txt python:3.12 (debian 12.5)"),
    (Location(path="fixtures/targets-old/x", target="fixtures/targets"),
     "fixtures/targets-old/x fixtures/targets"),
    (Location(target="alpine:3.18", resource="libssl3"), "alpine:3.18 [libssl3]"),
    (Location(target="."), "-"),
])
def test_a_location_names_its_target_only_when_it_adds_information(location: Location, shown: str) -> None:
    assert location.display() == shown
