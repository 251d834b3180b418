"""``action.yml``: valid metadata, no injection, and its own ``run:`` steps run as a runner would.

The steps are taken from ``action.yml`` itself (tests/ci/runner.py), so what is tested is
what users run. The install step runs for real once per session, into a virtual
environment that already sees this project's dependencies (only gatekeeper itself is
built and installed from the action's checkout); later runs reuse it as a second use of the
action in one job would.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import jsonschema
import pytest

from tests.ci.runner import ActionRun, load_action, parse_output_file, run_action
from tests.conftest import REPORTS, ROOT, SHARED, require_shared

ACTION = ROOT / "action.yml"
PIPELINE = ROOT / "fixtures" / "pipeline"
SEVERITIES = ("critical", "high", "medium", "low", "info", "unknown")


def test_action_validates_against_the_github_action_schema() -> None:
    require_shared()
    schema = json.loads((SHARED / "schemas" / "github-action.json").read_text(encoding="utf-8"))
    errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(load_action(ACTION)), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"$.{'.'.join(map(str, e.path))}: {e.message}" for e in errors)


def test_no_expression_inside_a_script() -> None:
    """``${{ }}`` is pasted into a script before the shell reads it: inputs go through env: only."""
    action = load_action(ACTION)
    for step in action["runs"]["steps"]:
        assert "${{" not in step.get("run", ""), step.get("id")
        for key in step:
            if "${{" in json.dumps(step[key]):
                assert key in ("env", "if"), f"step {step.get('id')}: expression in {key}"


def test_inputs_and_outputs_are_wired() -> None:
    action = load_action(ACTION)
    env_text = json.dumps([s.get("env", {}) for s in action["runs"]["steps"]])
    for name in action["inputs"]:
        assert re.search(rf"inputs\.{re.escape(name)} *\}}\}}", env_text), f"input {name} is never used"
    assert action["runs"]["using"] == "composite"
    for name in ("result", "exit-code", "sarif", "failing", *SEVERITIES):
        assert re.fullmatch(r"\$\{\{ steps\.gate\.outputs\.[\w-]+ \}\}", action["outputs"][name]["value"])


# --- running the steps -----------------------------------------------------------------


def _copy_checkout(target: Path) -> Path:
    """What `uses: owner/gatekeeper@sha` checks out: the package sources and the action."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(ROOT / "gatekeeper", target / "gatekeeper", ignore=ignore)
    for name in ("pyproject.toml", "README.md", "action.yml"):
        shutil.copy2(ROOT / name, target / name)
    return target


@pytest.fixture(scope="session")
def action_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _copy_checkout(tmp_path_factory.mktemp("action"))


@pytest.fixture(scope="session")
def installed(tmp_path_factory: pytest.TempPathFactory, action_path: Path) -> tuple[Path, ActionRun]:
    """A runner temp dir where the action's install step has run for real, and that run."""
    runner_temp = tmp_path_factory.mktemp("runner-temp")
    venv = runner_temp / "gatekeeper-venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    # NOTE: the dependencies come from this test environment (no download of click & co.);
    # gatekeeper itself is built from the action's checkout by the step under test.
    purelib = Path(subprocess.check_output([str(venv / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], text=True).strip())
    (purelib / "_gatekeeper_test_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    workspace = tmp_path_factory.mktemp("workspace")
    shutil.copytree(REPORTS, workspace / "reports")
    run = run_action(
        ACTION,
        {"reports": "reports/gitleaks-empty.json", "python": sys.executable},
        workspace=workspace,
        runner_temp=runner_temp,
        action_path=action_path,
    )
    assert run.exit_code == 0, run.log
    return runner_temp, run


@pytest.fixture
def runner(tmp_path: Path, installed: tuple[Path, ActionRun], action_path: Path):  # type: ignore[no-untyped-def]
    """Run the action in a fresh workspace (with the fixtures copied) and runner temp."""
    workspace, runner_temp = tmp_path / "workspace", tmp_path / "runner-temp"
    shutil.copytree(REPORTS, workspace / "reports")
    shutil.copytree(PIPELINE, workspace / "pipeline")
    runner_temp.mkdir()
    (runner_temp / "gatekeeper-venv").symlink_to(installed[0] / "gatekeeper-venv")

    def go(inputs: dict[str, str], env: dict[str, str] | None = None) -> ActionRun:
        return run_action(ACTION, {"python": sys.executable, **inputs}, workspace=workspace,
                          runner_temp=runner_temp, action_path=action_path, env=env)

    go.workspace = workspace  # type: ignore[attr-defined]
    return go


def _counts_match_json(run: ActionRun, json_path: Path) -> None:
    report = json.loads(json_path.read_text(encoding="utf-8"))
    counts = report["counts"]
    assert run.outputs["result"] == report["verdict"]["status"]
    assert run.outputs["total"] == str(counts["findings"])
    assert run.outputs["failing"] == str(counts["byOutcome"]["fail"])
    assert run.outputs["warnings"] == str(counts["byOutcome"]["warn"])
    for s in SEVERITIES:
        assert run.outputs[s] == str(counts["bySeverity"][s]), s


def test_install_step_installs_gatekeeper_from_the_action_checkout(installed: tuple[Path, ActionRun], action_path: Path) -> None:
    runner_temp, run = installed
    venv = runner_temp / "gatekeeper-venv"
    assert run.steps["install"]["bin"] == str(venv / "bin" / "gatekeeper")
    assert (venv / ".gatekeeper-source").read_text() == str(action_path)
    where = subprocess.check_output([str(venv / "bin" / "python"), "-c", "import gatekeeper; print(gatekeeper.__file__)"], text=True, cwd=runner_temp)
    assert Path(where.strip()).is_relative_to(venv), "gatekeeper must come from the venv, not this checkout"
    assert "gatekeeper, version" in run.log
    assert run.outputs["result"] == "passed"


def test_passing_gate(runner) -> None:  # type: ignore[no-untyped-def]
    # NOTE: not checkov-empty.json: "checkov found nothing to scan" is a coverage gap, which warns.
    run = runner({"reports": "reports/gitleaks-empty.json\n", "json": "gate.json"})
    assert run.exit_code == 0, run.log
    assert run.outputs["result"] == "passed"
    assert run.outputs["exit-code"] == "0"
    assert run.outputs["sarif"] == str(runner.workspace / "gatekeeper.sarif")
    assert json.loads(Path(run.outputs["sarif"]).read_text())["version"] == "2.1.0"
    _counts_match_json(run, runner.workspace / "gate.json")
    assert "## ✅ gatekeeper: passed" in run.summary
    assert "::notice title=gatekeeper::PASSED" in run.log


def test_failing_gate_fails_the_step(runner) -> None:  # type: ignore[no-untyped-def]
    run = runner({"reports": "pipeline", "json": "out/gate.json", "markdown": "out/gate.md"})
    assert run.exit_code == 1, run.log
    assert run.outputs["result"] == "failed"
    assert run.outputs["exit-code"] == "1"
    assert int(run.outputs["failing"]) > 0
    _counts_match_json(run, runner.workspace / "out" / "gate.json")
    assert run.outputs["markdown"] == str(runner.workspace / "out" / "gate.md")
    assert "## ❌ gatekeeper: failed" in run.summary
    assert "::error file=" in run.log


def test_failing_gate_reported_but_step_passes_when_asked(runner) -> None:  # type: ignore[no-untyped-def]
    run = runner({"reports": "pipeline", "fail-on-violation": "false", "summary": "false", "annotations": "false", "sarif": ""})
    assert run.exit_code == 0, run.log
    assert run.outputs["result"] == "failed"
    assert run.outputs["exit-code"] == "1"
    assert run.outputs["sarif"] == ""
    assert not (runner.workspace / "gatekeeper.sarif").exists()
    assert run.summary == ""
    assert "::error file=" not in run.log
    assert "::warning title=gatekeeper::the policy was violated" in run.log


def test_unreadable_report_fails_closed(runner) -> None:  # type: ignore[no-untyped-def]
    run = runner({"reports": "reports/missing.json", "fail-on-violation": "false"})
    assert run.exit_code == 2, run.log
    assert run.outputs["result"] == "error"
    assert run.outputs["exit-code"] == "2"
    assert "missing.json" in run.log


@pytest.mark.parametrize("inputs", [{"fail-on-violation": "flase"}, {"annotations": "yes"}, {"reports": " \n\n"}])
def test_bad_inputs_fail_closed(runner, inputs: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    run = runner({"reports": "pipeline", **inputs})
    assert run.exit_code == 2, run.log
    assert run.outputs["result"] == "error"
    assert "::error title=gatekeeper::input " in run.log


def test_metacharacters_in_inputs_stay_data(runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ws: Path = runner.workspace
    canary = tmp_path / "canary"
    canary.mkdir()
    bait = f"$(touch {canary}/a)`touch {canary}/b`;touch {canary}/c;\"'$HOME|&<>"
    # File names cannot hold "/", so these touch relative paths: the workspace is the cwd.
    odd = "r $(touch pwned-1) `touch pwned-2`; touch pwned-3 & '\"x"
    (ws / odd).mkdir()
    shutil.copy(REPORTS / "gitleaks-empty.json", ws / odd / "gitleaks.json")
    # A second, different file (the same file twice would be a duplicate report).
    shutil.copy(REPORTS / "gitleaks-empty.json", ws / f"{odd} gitleaks.json")
    policy = ws / "policy $(touch pwned-4);`touch pwned-5`'.yaml"
    policy.write_text("version: 1\nfail_on: high\n")
    sarif = "out/$(touch pwned-6)`touch pwned-7`\nresult=failed.sarif"
    run = runner({
        "reports": f"  {odd}  \n\n{odd} gitleaks.json\n",
        "policy": policy.name,
        "environment": f"prod\n{bait}",
        "sarif": sarif,
        "markdown": "md;$(touch pwned-8)`touch pwned-9`|&.md",
    })
    assert run.exit_code == 0, run.log
    assert run.outputs["result"] == "passed"  # the newline in the SARIF path set no output
    assert run.outputs["sarif"] == str(ws / sarif)
    assert (ws / sarif).is_file()
    assert (ws / "md;$(touch pwned-8)`touch pwned-9`|&.md").is_file()
    assert "gatekeeper: passed" in run.summary
    assert list(canary.iterdir()) == []
    assert not list(ws.rglob("pwned-*"))


# --- the exit code passed through, with a stand-in gatekeeper ----------------------------


STUB = """#!/bin/bash
# Stand-in for gatekeeper: records its arguments, then answers as told.
[ "$1" = --version ] && { echo "gatekeeper, version stub"; exit 0; }
printf '%s\\0' "$@" > "$STUB_ARGS"
[ -n "$STUB_RESULT" ] && printf 'result<<EOF\\n%s\\nEOF\\n' "$STUB_RESULT" >> "$GITHUB_OUTPUT"
exit "$STUB_CODE"
"""


@pytest.fixture
def stubbed(tmp_path: Path, action_path: Path):  # type: ignore[no-untyped-def]
    runner_temp, workspace = tmp_path / "runner-temp", tmp_path / "workspace"
    venv = runner_temp / "gatekeeper-venv"
    (venv / "bin").mkdir(parents=True)
    workspace.mkdir()
    (venv / ".gatekeeper-source").write_text(str(action_path))  # "already installed"
    stub = venv / "bin" / "gatekeeper"
    stub.write_text(STUB)
    stub.chmod(0o755)

    def go(inputs: dict[str, str], code: int, result: str = "") -> tuple[ActionRun, list[str]]:
        args = tmp_path / "args"
        env = {"STUB_ARGS": str(args), "STUB_CODE": str(code), "STUB_RESULT": result}
        run = run_action(ACTION, inputs, workspace=workspace, runner_temp=runner_temp, action_path=action_path, env=env)
        return run, args.read_text().split("\0")[:-1] if args.exists() else []

    return go


@pytest.mark.parametrize(
    ("code", "result", "inputs", "step_exit"),
    [
        (0, "passed-with-warnings", {}, 0),
        (1, "failed", {}, 1),
        (1, "failed", {"fail-on-violation": "false"}, 0),
        (3, "needs-approval", {}, 3),
        (3, "needs-approval", {"fail-on-approval": "false"}, 0),
        (3, "needs-approval", {"fail-on-violation": "false"}, 3),
        (2, "", {"fail-on-violation": "false", "fail-on-approval": "false"}, 2),
        (70, "", {}, 70),
    ],
)
def test_exit_code_passes_through(stubbed, code: int, result: str, inputs: dict[str, str], step_exit: int) -> None:  # type: ignore[no-untyped-def]
    run, _ = stubbed({"reports": "r.json", **inputs}, code, result)
    assert run.exit_code == step_exit, run.log
    assert run.outputs["exit-code"] == str(code)
    assert run.outputs["result"] == (result or "error")


def test_arguments_reach_gatekeeper_exactly(stubbed) -> None:  # type: ignore[no-untyped-def]
    run, args = stubbed(
        {
            "reports": "-leading-dash.json\n a b.json \n\n$(x)\n",
            "policy": "p;$(y).yaml",
            "environment": "prod",
            "json": "g.json",
            "junit": "g.xml",
            "html": "g.html",
            "annotations": "false",
        },
        0,
    )
    assert run.exit_code == 0, run.log
    assert args == [
        "check", "--policy", "p;$(y).yaml", "--env", "prod", "--sarif", "gatekeeper.sarif",
        "--json", "g.json", "--junit", "g.xml", "--html", "g.html", "--no-annotations",
        "--github-outputs", "--", "-leading-dash.json", "a b.json", "$(x)",
    ]


def test_diff_base_and_filter_reach_gatekeeper(stubbed) -> None:  # type: ignore[no-untyped-def]
    run, args = stubbed({"reports": "r.json", "diff-base": "origin/main", "diff-filter": "context", "sarif": ""}, 0)
    assert run.exit_code == 0, run.log
    assert args == ["check", "--annotations", "--diff-base=origin/main", "--diff-filter=context", "--github-outputs", "--", "r.json"]
    _, args = stubbed({"reports": "r.json", "diff-filter": "file", "sarif": ""}, 0)
    assert not any(a.startswith("--diff") for a in args)  # no base: the whole codebase


def test_output_file_parser_reads_both_forms() -> None:
    text = "a=1\nb<<EOF\nx\ny=z\nEOF\nc=\n"
    assert parse_output_file(text) == {"a": "1", "b": "x\ny=z", "c": ""}


def test_real_gatekeeper_parses_the_arguments_the_action_builds() -> None:
    """The option names in the gate step's script are options of `gatekeeper check`."""
    from gatekeeper.cli import check

    script = next(s["run"] for s in load_action(ACTION)["runs"]["steps"] if s.get("id") == "gate")
    used = set(re.findall(r"(?<![\w-])(--[a-z][\w-]*)", script))
    known = {o for p in check.params for o in (*p.opts, *p.secondary_opts)}
    assert used and used <= known, used - known


# --- signed attestations (docs/attestations.md) -----------------------------------------


def test_attestation_is_signed_with_the_key_text_and_the_key_file_is_gone(runner) -> None:  # type: ignore[no-untyped-def]
    from tests.attest.helpers import independent_verify

    keys = ROOT / "fixtures" / "keys"
    key_text = (keys / "release-example.pem").read_text()
    commit = "4f" * 20
    run = runner(
        {"reports": "reports/gitleaks-empty.json", "attest": "out/gate.intoto.json", "signing-key": key_text},
        env={"GITHUB_REPOSITORY": "acme/app", "GITHUB_SHA": commit, "GITHUB_SERVER_URL": "https://github.com"},
    )
    assert run.exit_code == 0, run.log
    path = Path(run.outputs["attestation"])
    assert path == runner.workspace / "out" / "gate.intoto.json"
    statement = independent_verify(path.read_bytes(), (keys / "release-example.pub").read_bytes())
    assert statement["predicate"]["resourceUri"] == f"git+https://github.com/acme/app@{commit}"
    assert "PRIVATE KEY" not in run.log and key_text.splitlines()[1] not in run.log
    runner_temp = runner.workspace.parent / "runner-temp"
    assert not list(runner_temp.glob("gatekeeper-signing-key.*"))


def test_attest_without_a_signing_key_fails_closed(runner) -> None:  # type: ignore[no-untyped-def]
    run = runner({"reports": "reports/gitleaks-empty.json", "attest": "a.json"})
    assert run.exit_code == 2
    assert run.outputs["result"] == "error"
    assert "input attest needs input signing-key" in run.log


def test_attest_arguments_reach_gatekeeper(stubbed) -> None:  # type: ignore[no-untyped-def]
    run, args = stubbed(
        {"reports": "r.json", "attest": "a $(x).json", "signing-key": "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----",
         "resource": "ghcr.io/a/b@sha256:" + "0" * 64},
        0,
    )
    assert run.exit_code == 0, run.log
    i = args.index("--attest")
    assert args[i + 1] == "a $(x).json" and args[i + 2] == "--signing-key"
    assert "/gatekeeper-signing-key." in args[i + 3]
    assert args[i + 4 : i + 6] == ["--resource", "ghcr.io/a/b@sha256:" + "0" * 64]
