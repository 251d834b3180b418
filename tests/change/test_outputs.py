"""Every output says the gate judged a change, against what, the filter and how many findings were
outside it; only when a diff is given (the goldens, made without one, stay byte-identical)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from importlib import resources
from pathlib import Path

import pytest

from tests.change.test_check_diff import run
from tests.conftest import REPORTS, ROOT, SHARED, require_shared

SETTINGS = "fixtures/targets/app/settings.py"
DIFF = f"""diff --git a/{SETTINGS} b/{SETTINGS}
--- a/{SETTINGS}
+++ b/{SETTINGS}
@@ -12,1 +12,2 @@
 
+GITHUB_TOKEN = "..."
"""
REPORTS_USED = [REPORTS / "gitleaks.json", REPORTS / "hadolint.json", REPORTS / "pip-audit.json"]
LINE = "judged the change against diff {diff} (diff-filter added, 1 file changed)"


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    tmp = tmp_path_factory.mktemp("outputs")
    diff = tmp / "pr.diff"
    diff.write_text(DIFF)
    files = {name: tmp / f"out.{name}" for name in ("json", "sarif", "markdown", "html", "junit")}
    args = [a for name, path in files.items() for a in (f"--{name}", path)]
    r = run("check", *REPORTS_USED, "--diff", diff, *args, cwd=ROOT)
    assert r.returncode == 1, r.stderr
    got = {name: path.read_text(encoding="utf-8") for name, path in files.items()}
    got["console"] = r.stdout
    got["diff"] = str(diff)
    return got


def test_console_markdown_and_html_say_it(outputs: dict[str, str]) -> None:
    line = LINE.format(diff=outputs["diff"])
    assert f"change: {line}: " in outputs["console"]
    assert "findings outside it (" in outputs["console"]
    assert "**Pull request:** judged the change against diff " in outputs["markdown"]
    assert "Judged the change against diff " in outputs["html"]


def test_json_has_the_change_and_each_findings_place_and_is_schema_valid(outputs: dict[str, str]) -> None:
    from jsonschema import Draft202012Validator

    doc = json.loads(outputs["json"])
    schema = json.loads(resources.files("gatekeeper.reporters").joinpath("json_schema.json").read_text())
    Draft202012Validator(schema).validate(doc)
    change = doc["change"]
    outside = sum(1 for f in doc["findings"] if f["change"]["placed"] == "outside")
    assert change == {"against": f"diff {outputs['diff']}", "diffFile": outputs["diff"], "baseRef": None, "mergeBase": None,
                      "filter": "added", "files": 1, "outside": outside, "excused": change["excused"], "unplaced": 0}
    assert outside == len(doc["findings"]) - 3  # settings.py's three secrets (secrets: file)
    assert change["excused"] == sum(1 for f in doc["findings"] if f["decision"]["decidedBy"] == "change (diff-filter added)")


def test_sarif_runs_carry_the_change_and_stay_valid(outputs: dict[str, str], tmp_path: Path) -> None:
    doc = json.loads(outputs["sarif"])
    for run_ in doc["runs"]:
        assert run_["properties"]["gatekeeper"]["change"]["filter"] == "added"
        assert all("change" in r["properties"]["gatekeeper"] for r in run_["results"])
    require_shared()
    from jsonschema import Draft7Validator

    Draft7Validator(json.loads((SHARED / "schemas" / "sarif-schema-2.1.0.json").read_text())).validate(doc)
    tool = os.environ.get("GATEKEEPER_SARIF_MULTITOOL")
    if not tool or not shutil.which(tool):
        if os.environ.get("GATEKEEPER_REQUIRE_SHARED"):
            pytest.fail("GATEKEEPER_SARIF_MULTITOOL not set")
        pytest.skip("GATEKEEPER_SARIF_MULTITOOL not set")
    src, out = tmp_path / "in.sarif", tmp_path / "out.sarif"
    src.write_text(outputs["sarif"], encoding="utf-8")
    subprocess.run([tool, "validate", "--rule-kind", "Gh", "--output", str(out), str(src)], check=False, capture_output=True, timeout=300)
    problems = [r for run_ in json.loads(out.read_text(encoding="utf-8-sig"))["runs"] for r in run_.get("results", [])]
    assert not problems, [(p["ruleId"], p["message"]) for p in problems[:10]]


def test_without_a_diff_no_output_mentions_a_change(tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    sarif = tmp_path / "out.sarif"
    r = run("check", *REPORTS_USED, "--json", out, "--sarif", sarif, cwd=ROOT)
    assert r.returncode == 1
    assert "change" not in json.loads(out.read_text()) and "judged the change" not in r.stdout
    assert all("change" not in f for f in json.loads(out.read_text())["findings"])
    assert all("properties" not in run_ for run_ in json.loads(sarif.read_text())["runs"])
