"""``check --diff`` / ``--diff-base`` end to end: a real repository, the real scanners' reports
on it, each ``--diff-filter`` deciding exactly the expected findings."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.change import repo as R
from tests.conftest import ROOT


def run(*args: str | Path, cwd: Path, stdin: str | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(ROOT), **(env or {})}
    for name in ("GITHUB_ACTIONS", "GITHUB_WORKSPACE", "GATEKEEPER_ENV"):
        full.pop(name, None)
    return subprocess.run([sys.executable, "-m", "gatekeeper", *map(str, args)], input=stdin, capture_output=True,
                          text=True, cwd=cwd, env=full, timeout=300)


class Built:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.repo = R.build(root)
        self.reports = root / "reports"
        self.reports.mkdir()
        self.diff = root / "pr.diff"
        self.diff.write_text(R.git(self.repo, "diff", "-M", "main...feature"))

    def report(self, name: str, committed: bool = False) -> Path:
        if committed:
            return R.DATA / f"{name}.json"
        path = self.reports / f"{name}.json"
        return path if path.exists() else R.scanned(name, self.repo, path)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return Built(tmp_path_factory.mktemp("change"))


def gate(built: Built, *args: str | Path, reports: list[Path], code: int | None = None, **kw: Any) -> dict[str, Any]:
    out = built.root / "out.json"
    r = run("check", *reports, *args, "--json", out, cwd=built.repo, **kw)
    if code is not None:
        assert r.returncode == code, r.stdout + r.stderr
    assert out.exists(), r.stdout + r.stderr
    doc = json.loads(out.read_text())
    doc["_run"] = r
    return doc


def placed(doc: dict[str, Any]) -> dict[tuple[str, str, int | None, str], str]:
    """(tool, path or package, line, rule) -> in | outside | unplaced."""
    out: dict[tuple[str, str, int | None, str], str] = {}
    for f in doc["findings"]:
        where = f["location"]["path"] or (f["package"] or {}).get("name") or "-"
        out[(f["tool"], where, f["location"]["startLine"], f["ruleId"])] = f["change"]["placed"]
    return out


PACKAGES_IN = {"requests", "urllib3", "jinja2"}
PACKAGES_OUT = {"django", "pyyaml"}


def expected(key: tuple[str, str, int | None, str], kind: str, mode: str) -> str:
    """What each filter must say about a finding of this repository (see tests/change/repo.py)."""
    tool, where, line, _ = key
    if kind == "secret":
        return "outside" if where == "app/legacy.py" else "in"  # change: {secrets: file}
    if where in PACKAGES_IN | PACKAGES_OUT:
        return "in" if where in PACKAGES_IN else "outside"
    assert where == "Dockerfile", key
    if mode != "added" or line is None:
        return "in"  # context: the hunk covers lines 1-4; a finding naming no line in a changed file is in it
    if tool == "checkov":
        return "in"  # checkov's Dockerfile checks span the whole file (lines 1-4), line 3 among them
    return "in" if line == 3 else "outside"


@pytest.mark.parametrize("committed", [False, True], ids=["scanned-now", "committed-reports"])
@pytest.mark.parametrize("mode", ["added", "context", "file"])
def test_each_filter_decides_exactly_the_expected_findings(built: Built, mode: str, committed: bool) -> None:
    reports = [built.report(n, committed) for n in ("gitleaks", "hadolint", "trivy", "checkov")] + [R.PIP_AUDIT]
    doc = gate(built, "--diff", built.diff, "--diff-filter", mode, reports=reports, code=1)
    kinds = {(f["tool"], f["location"]["path"] or (f["package"] or {}).get("name") or "-", f["location"]["startLine"], f["ruleId"]): f["kind"] for f in doc["findings"]}
    got = placed(doc)
    want = {key: expected(key, kinds[key], mode) for key in got}
    assert got == want
    # Every part of the story is there (not an empty comparison).
    paths = {key[1] for key in got}
    assert {"app/settings.py", "app/legacy.py", "conf dir/app.cfg", "Dockerfile"} <= paths
    assert {"gitleaks", "hadolint", "trivy", "checkov", "pip-audit"} == {key[0] for key in got}
    assert PACKAGES_IN | PACKAGES_OUT <= paths
    assert any(v == "outside" for v in got.values()) and any(v == "in" for v in got.values())
    for f in doc["findings"]:
        if f["change"]["placed"] == "outside" and f["decision"]["outcome"] == "ignore" and f["decision"]["decidedBy"].startswith("change"):
            assert f["decision"]["decidedBy"] == f"change (diff-filter {mode})"
            assert f["decision"]["reason"].startswith("outside the change (")
        if f["change"]["placed"] == "in":
            assert not f["decision"]["decidedBy"].startswith("change")
    change = doc["change"]
    assert change["filter"] == mode and change["files"] == 6 and change["diffFile"] == str(built.diff)
    assert change["outside"] == sum(1 for v in got.values() if v == "outside") and change["unplaced"] == 0
    assert change["excused"] >= 1


def test_an_old_secret_outside_the_change_is_reported_not_failed(built: Built) -> None:
    doc = gate(built, "--diff", built.diff, reports=[built.report("gitleaks")], code=1)
    legacy = [f for f in doc["findings"] if f["location"]["path"] == "app/legacy.py"]
    assert legacy and all(f["decision"]["outcome"] == "ignore" for f in legacy)
    assert "app/legacy.py is not changed" in legacy[0]["decision"]["reason"]
    assert "a secret was found" in legacy[0]["decision"]["reason"]  # what it would have been
    failing = {f["location"]["path"] for f in doc["findings"] if f["decision"]["outcome"] == "fail"}
    assert failing == {"app/settings.py", "conf dir/app.cfg"}


def test_a_change_that_touches_none_of_the_findings_passes(built: Built) -> None:
    diff = built.root / "rename-only.diff"
    diff.write_text(R.git(built.repo, "diff", "-M", "main...feature", "--", "new name.py", "old name.py"))
    reports = [built.report("gitleaks"), built.report("hadolint"), R.PIP_AUDIT]
    doc = gate(built, "--diff", diff, reports=reports, code=0)
    assert doc["change"]["outside"] == len(doc["findings"]) and doc["change"]["excused"] >= 5
    assert doc["verdict"]["status"] in ("passed", "passed-with-warnings")
    assert "outside" in doc["_run"].stdout


def test_diff_from_standard_input(built: Built) -> None:
    doc = gate(built, "--diff", "-", reports=[built.report("gitleaks")], stdin=built.diff.read_text(), code=1)
    assert doc["change"]["diffFile"] == "<stdin>" and doc["change"]["against"] == "diff <stdin>"
    assert any(f["change"]["placed"] == "outside" for f in doc["findings"])


def test_standard_input_cannot_be_both_the_diff_and_a_report(built: Built) -> None:
    r = run("check", "-", "--diff", "-", cwd=built.repo, stdin="")
    assert r.returncode == 2
    assert "standard input (-) can be read only once, not for a report and the diff (--diff -)" in r.stderr


def test_diff_base_computes_the_pull_requests_diff(built: Built) -> None:
    reports = [built.report("gitleaks"), built.report("hadolint"), R.PIP_AUDIT]
    by_file = placed(gate(built, "--diff", built.diff, reports=reports))
    doc = gate(built, "--diff-base", "main", reports=reports, code=1)
    assert placed(doc) == by_file
    base = R.git(built.repo, "merge-base", "main", "feature").strip()
    assert doc["change"]["baseRef"] == "main" and doc["change"]["mergeBase"] == base
    assert doc["change"]["against"] == f"main (merge base {base[:12]})" and doc["change"]["diffFile"] is None


def test_diff_base_errors_say_how_to_fix_them(built: Built, tmp_path: Path) -> None:
    report = built.report("gitleaks")
    r = run("check", report, "--diff-base", "no-such-branch", cwd=built.repo)
    assert r.returncode == 2 and "unknown ref 'no-such-branch'" in r.stderr and "fetch-depth: 0" in r.stderr
    r = run("check", report, "--diff-base", "main", cwd=tmp_path)
    assert r.returncode == 2 and "--diff-base needs a git repository" in r.stderr
    bare = tmp_path / "bin"
    bare.mkdir()
    r = run("check", report, "--diff-base", "main", cwd=built.repo, env={"PATH": str(bare)})
    assert r.returncode == 2 and "--diff-base needs git, which is not installed" in r.stderr
    shallow = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "1", "--no-single-branch", "--branch", "feature",
                    f"file://{built.repo}", str(shallow)], check=True, capture_output=True)
    r = run("check", report, "--diff-base", "origin/main", cwd=shallow)
    assert r.returncode == 2, r.stderr
    assert "shallow clone" in r.stderr and "fetch-depth: 0" in r.stderr
    r = run("check", report, "--diff", built.diff, "--diff-base", "main", cwd=built.repo)
    assert r.returncode == 2 and "--diff and --diff-base name two changes" in r.stderr
    r = run("check", report, "--diff-filter", "file", cwd=built.repo)
    assert r.returncode == 2 and "--diff-filter needs the change to filter" in r.stderr


def test_a_malformed_diff_is_exit_2_naming_the_file_and_line(built: Built, tmp_path: Path) -> None:
    bad = tmp_path / "bad.diff"
    bad.write_text("diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n a\n")
    r = run("check", built.report("gitleaks"), "--diff", bad, cwd=built.repo)
    assert r.returncode == 2
    assert f"{bad}:5: the diff ends inside a hunk" in r.stderr and "the gate was not evaluated" in r.stderr
    r = run("check", built.report("gitleaks"), "--diff", tmp_path / "missing.diff", cwd=built.repo)
    assert r.returncode == 2 and "missing.diff: no such file" in r.stderr


def test_findings_the_diff_cannot_place_are_decided_as_usual(built: Built, tmp_path: Path) -> None:
    # gitleaks run on the absolute path: its paths are absolute. From another folder than
    # the checkout, a changed file is still found by its tail; an unchanged one cannot be told
    # from a file outside the repository: decided as usual, unless the policy says outside.
    report = tmp_path / "gitleaks-absolute.json"
    doc = json.loads(built.report("gitleaks").read_text())
    for item in doc:
        item["File"] = str(built.repo / item["File"])
    report.write_text(json.dumps(doc))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    out = tmp_path / "out.json"
    r = run("check", report, "--diff", built.diff, "--json", out, cwd=elsewhere)
    assert r.returncode == 1, r.stderr
    got = {Path(f["location"]["path"]).name: (f["change"]["placed"], f["decision"]["outcome"]) for f in json.loads(out.read_text())["findings"]}
    assert got["legacy.py"] == ("unplaced", "fail")
    assert got["settings.py"][0] == "in" and got["app.cfg"][0] == "in"
    assert json.loads(out.read_text())["change"]["unplaced"] == 1
    policy = tmp_path / "policy.yaml"
    policy.write_text("version: 1\nchange:\n  unplaced: outside\n")
    r = run("check", report, "--diff", built.diff, "--json", out, "--policy", policy, cwd=elsewhere)
    legacy = [f for f in json.loads(out.read_text())["findings"] if f["location"]["path"].endswith("legacy.py")]
    assert legacy[0]["decision"]["outcome"] == "ignore" and "is outside the checkout" in legacy[0]["decision"]["reason"]


def test_scan_judges_the_change_too(built: Built, tmp_path: Path) -> None:
    # scan ends in check's gate: hadolint run as a local program on the repository, the change
    # from --diff-base (git in the current directory).
    exe = R.SCANNERS_VENV / "bin" / "hadolint"
    if not exe.exists():
        R.need(None, "hadolint")  # fails under CI, else raises Missing
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "hadolint").symlink_to(exe)
    out = tmp_path / "scan.json"
    env = {"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    r = run("scan", ".", "--local", "hadolint", "--scanner", "hadolint", "--diff-base", "main", "--json", out,
            cwd=built.repo, env=env)
    assert r.returncode in (0, 1), r.stderr
    doc = json.loads(out.read_text())
    assert doc["change"]["baseRef"] == "main"
    got = {(f["location"]["startLine"], f["ruleId"]): f["change"]["placed"] for f in doc["findings"]}
    assert got and all(v == ("in" if line == 3 else "outside") for (line, _), v in got.items())


def test_approve_judges_the_change_as_check_does(built: Built, tmp_path: Path) -> None:
    # Findings outside the change need no approval: the record holds the change's only.
    policy = tmp_path / "policy.yaml"
    policy.write_text("version: 1\nfail_on: critical\napprove_on: info\nsecrets: ignore\n")
    record = tmp_path / "approval.json"
    env = {"GATEKEEPER_APPROVAL_KEY": "change-test-key-0123456789abcdef"}
    hadolint = built.report("hadolint")
    r = run("approve", hadolint, "--policy", policy, "--diff", built.diff, "--approver", "alice", "--reason", "CHG-1",
            "-o", record, cwd=built.repo, env=env)
    assert r.returncode == 0, r.stderr
    approved = json.loads(record.read_text())["findings"]
    assert approved and all(a["location"].endswith(":3") for a in approved)
    r = run("check", hadolint, "--policy", policy, "--diff", built.diff, "--approval", record, cwd=built.repo, env=env)
    assert r.returncode == 0, r.stdout + r.stderr


def test_a_decision_record_keeps_the_change_and_replay_judges_it_again(built: Built, tmp_path: Path) -> None:
    diff = tmp_path / "pr.diff"
    diff.write_bytes(built.diff.read_bytes())
    record = tmp_path / "record.json"
    reports = [built.report("gitleaks"), built.report("hadolint")]
    r = run("check", *reports, "--diff", diff, "--diff-filter", "context", "--record", record, cwd=built.repo)
    assert r.returncode == 1, r.stderr
    import hashlib

    kept = json.loads(record.read_text())["change"]
    assert kept == {"diff": str(diff), "baseRef": None, "mergeBase": None, "filter": "context",
                    "sha256": hashlib.sha256(diff.read_bytes()).hexdigest()}
    r = run("replay", record, cwd=built.repo)
    assert r.returncode == 0, r.stdout + r.stderr
    diff.write_text(R.git(built.repo, "diff", "main...feature", "--", "Dockerfile"))  # a different change
    r = run("replay", record, cwd=built.repo)
    assert r.returncode == 1 and "diff " in r.stdout + r.stderr and "changed" in r.stdout + r.stderr
    # --diff-base: the merge base is recorded; replay diffs HEAD against it again.
    r = run("check", *reports, "--diff-base", "main", "--record", record, cwd=built.repo)
    assert r.returncode == 1, r.stderr
    assert json.loads(record.read_text())["change"]["mergeBase"] == R.git(built.repo, "merge-base", "main", "feature").strip()
    r = run("replay", record, cwd=built.repo)
    assert r.returncode == 0, r.stdout + r.stderr
