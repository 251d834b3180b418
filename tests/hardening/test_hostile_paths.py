"""Hostile paths in reports: traversal, absolute paths, URIs, backslashes, escapes.

Decision (docs/fail-closed.md): adapters keep the path the tool printed (it is evidence,
and gatekeeper never opens it); every *output* makes it inert. A SARIF output's
``artifactLocation.uri`` is a relative reference that cannot leave the repository: no
scheme, no leading ``/``, no ``..`` segment, no backslash. Console lines carry no raw
control character and cannot start a GitHub workflow command.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gatekeeper.adapters import parse_document
from tests.test_cli import run

HOSTILE_PATHS = [
    "../../etc/passwd",
    "/etc/passwd",
    "src/../../../etc/shadow",
    "file:///etc/passwd",
    "C:\\Windows\\..\\..\\boot.ini",
    "..\\..\\secrets.txt",
    "%2e%2e/%2e%2e/etc/passwd",
    "javascript:alert(1)",
    "app.py\x1b[2J\x1b]8;;http://evil\x07",
    "app.py\n::error file=x::forged",
    "a" * 100_000,
]


def hadolint_doc(paths: list[str]) -> list[dict[str, object]]:
    return [{"file": p, "line": 1, "column": 1, "level": "error", "code": "DL3007", "message": "m"} for p in paths]


def test_adapters_keep_the_tools_path_verbatim() -> None:
    report = parse_document(hadolint_doc(HOSTILE_PATHS), "hadolint.json")
    assert [f.location.path for f in report.findings] == HOSTILE_PATHS
    gitleaks = [{"RuleID": "r", "File": p, "StartLine": 1, "EndLine": 1, "StartColumn": 1, "EndColumn": 2,
                 "Secret": "s", "Match": "s"} for p in HOSTILE_PATHS]
    assert [f.location.path for f in parse_document(gitleaks, "gitleaks.json").findings] == HOSTILE_PATHS


def test_sarif_file_uris_become_paths() -> None:
    doc = {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": [
        {"ruleId": "r", "message": {"text": "m"}, "locations": [
            {"physicalLocation": {"artifactLocation": {"uri": uri}}}]} for uri in
        ["file:///etc/passwd", "../../etc/passwd", "%2e%2e/x"]]}]}
    paths = [f.location.path for f in parse_document(doc, "x.sarif").findings]
    assert paths == ["/etc/passwd", "../../etc/passwd", "../x"]


def _uris(sarif: dict[str, object]) -> list[str]:
    out = []
    for run_ in sarif["runs"]:  # type: ignore[attr-defined]
        for res in run_.get("results", []):
            for loc in res.get("locations", []):
                out.append(loc["physicalLocation"]["artifactLocation"]["uri"])
    return out


@pytest.fixture
def hostile_run(tmp_path: Path) -> tuple[object, list[str]]:
    report = tmp_path / "hadolint.json"
    report.write_text(json.dumps(hadolint_doc(HOSTILE_PATHS)))
    out = tmp_path / "out.sarif"
    r = run("check", "--sarif", out, report)
    assert r.returncode == 1, r.stderr[-2000:]
    return r, _uris(json.loads(out.read_text()))


def test_sarif_output_uris_have_no_scheme_root_or_backslash(hostile_run: tuple[object, list[str]]) -> None:
    _, uris = hostile_run
    assert len(uris) == len(HOSTILE_PATHS)
    for uri in uris:
        assert not uri.startswith("/"), uri
        assert ":" not in uri.split("/")[0], uri  # no scheme, no drive letter
        assert "\\" not in uri, uri
        assert len(uri) <= 2100


def test_sarif_output_uris_cannot_leave_the_repository(hostile_run: tuple[object, list[str]]) -> None:
    _, uris = hostile_run
    for uri in uris:
        assert ".." not in uri.split("/"), uri


def test_console_shows_hostile_paths_inert(hostile_run: tuple[object, list[str]]) -> None:
    r, _ = hostile_run
    out = r.stdout  # type: ignore[attr-defined]
    assert "\x1b" not in out and "\x07" not in out
    assert not any(line.lstrip().startswith("::") for line in out.splitlines())
    assert max(len(line) for line in out.splitlines()) < 2000
