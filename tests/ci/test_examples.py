"""The CI examples in docs/ci/, the README and the documentation site: valid syntax, and only inputs
and options that exist.

Every ``gatekeeper ...`` command line is parsed by the real click command, so a renamed or
removed option breaks this test, not a user's pipeline.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import click
import pytest
import yaml

from gatekeeper.cli import cli
from tests.ci.runner import load_action
from tests.conftest import ROOT

DOCS = ROOT / "docs"
EXAMPLES = [DOCS / "ci" / n for n in ("github-workflow.yml", "github-pr-comment.yml", "gitlab-ci.yml", "Jenkinsfile", "promotion.yml")]
WORKFLOWS = [p for p in EXAMPLES if p.name in ("github-workflow.yml", "github-pr-comment.yml", "promotion.yml")]
ACTION = load_action(ROOT / "action.yml")
GATEKEEPER_ACTION = re.compile(r"^(\./?|[\w.-]+/gatekeeper@[\w.-]+)$")
COMMAND = re.compile(r"(?:^|[\s/;(|&'\"])gatekeeper\s+(?=check\b|scan\b|policy\b|--[a-z])")
OPERATORS = set("();<>|&")
PAGES = [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]
"""README.md and the pages of the documentation site."""
CI_PAGE = DOCS / "ci.md"
"""The site's CI/CD page: the action's inputs and outputs, GitLab, Jenkins, promotion."""


def _strings(node: Any) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [t for v in node.values() for t in _strings(v)]
    if isinstance(node, list):
        return [t for v in node for t in _strings(v)]
    return []


def _code_text(path: Path) -> str:
    """Text that may hold commands: a YAML file's strings (as YAML reads them, folded scalars
    included), a Markdown file's fenced blocks, all of any other file."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".yml":
        return "\n".join(_strings(yaml.safe_load(text)))
    if path.suffix == ".md":
        return "\n".join(re.findall(r"^```[\w-]*\n(.*?)^```", text, re.S | re.M))
    return text


def gatekeeper_commands(path: Path) -> list[list[str]]:
    """Every ``gatekeeper ...`` command in the file, as arguments (after ``gatekeeper``)."""
    text = re.sub(r"\\\n\s*", " ", _code_text(path))  # shell line continuations
    commands = []
    for line in text.splitlines():
        for m in COMMAND.finditer(line):
            rest = line[m.end() :]
            quote = line[m.start()] if line[m.start()] in "'\"" else ""
            if quote:  # the command is a quoted string (Groovy `sh '...'`): it ends at the quote
                rest = rest.split(quote, 1)[0]
            lexer = shlex.shlex(rest, posix=True, punctuation_chars=True)
            lexer.whitespace_split = True
            args = []
            for token in lexer:
                if token.startswith("#") or set(token) <= OPERATORS:
                    break
                args.append(token)
            commands.append(args)
    return commands


def parse(args: list[str]) -> click.Context:
    """Resolve ``args`` down to the subcommand and parse its options, as click would."""
    ctx = cli.make_context("gatekeeper", list(args))
    command: click.Command = cli
    rest = _unparsed(ctx)
    while isinstance(command, click.Group) and rest:
        name, sub, rest = command.resolve_command(ctx, rest)
        assert sub is not None, name
        ctx = sub.make_context(name, rest, parent=ctx)
        command, rest = sub, _unparsed(ctx) if isinstance(sub, click.Group) else []
    return ctx


def _unparsed(ctx: click.Context) -> list[str]:
    # NOTE: click 8.2 deprecates `protected_args` (click 9 puts everything in `args`).
    protected = vars(ctx).get("_protected_args", None)
    return [*(protected if protected is not None else ctx.protected_args), *ctx.args]


def test_every_example_exists() -> None:
    assert all(p.is_file() for p in [*EXAMPLES, ROOT / "README.md", CI_PAGE])


@pytest.mark.parametrize("path", [p for p in EXAMPLES if p.suffix == ".yml"], ids=lambda p: p.name)
def test_yaml_examples_parse(path: Path) -> None:
    assert isinstance(yaml.safe_load(path.read_text(encoding="utf-8")), dict)


@pytest.mark.parametrize("path", [*EXAMPLES, *PAGES], ids=lambda p: p.name)
def test_gatekeeper_commands_use_existing_options(path: Path) -> None:
    commands = gatekeeper_commands(path)
    if path in (*EXAMPLES, ROOT / "README.md", CI_PAGE) and path not in WORKFLOWS:
        assert commands, f"{path.name}: no gatekeeper command found (the test would prove nothing)"
    for args in commands:
        try:
            parse(args)
        except click.exceptions.Exit as e:  # --help, --version
            assert e.exit_code == 0, args
        except click.ClickException as e:
            pytest.fail(f"{path.name}: gatekeeper {shlex.join(args)}: {e.format_message()}")


def test_the_command_parser_catches_a_wrong_option() -> None:
    with pytest.raises(click.NoSuchOption):
        parse(["check", "reports/", "--sarif-file", "x"])
    assert parse(["check", "reports/", "--env", "prod"]).params["env"] == "prod"
    assert gatekeeper_commands(DOCS / "ci" / "gitlab-ci.yml")[0][:2] == ["check", "reports/"]


def _steps(workflow: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for job in workflow["jobs"].values() for s in job.get("steps", [])]


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_uses_only_declared_inputs_and_outputs(path: Path) -> None:
    workflow = yaml.safe_load(path.read_text(encoding="utf-8"))
    inputs, outputs = set(ACTION["inputs"]), set(ACTION["outputs"])
    required = {k for k, v in ACTION["inputs"].items() if v.get("required")}
    gate_ids = set()
    steps = _steps(workflow)
    for step in steps:
        if GATEKEEPER_ACTION.match(step.get("uses", "")):
            given = set(step.get("with", {}))
            assert given <= inputs, f"{path.name}: unknown inputs {given - inputs}"
            assert required <= given, f"{path.name}: missing inputs {required - given}"
            if "id" in step:
                gate_ids.add(step["id"])
    assert gate_ids or any(GATEKEEPER_ACTION.match(s.get("uses", "")) for s in steps)
    text = path.read_text(encoding="utf-8")
    for step_id, name in re.findall(r"steps\.([\w-]+)\.outputs\.([\w-]+)", text):
        if step_id in gate_ids:
            assert name in outputs, f"{path.name}: the action has no output {name!r}"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_pins_third_party_actions_by_sha(path: Path) -> None:
    for line in path.read_text(encoding="utf-8").splitlines():
        m = re.match(r"\s*(?:-\s*)?uses:\s*(\S+)(.*)", line)
        if not m or GATEKEEPER_ACTION.match(m.group(1)):
            continue
        assert re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", m.group(1)), f"{path.name}: not pinned by SHA: {line.strip()}"
        assert re.search(r"#\s*v\d", m.group(2)), f"{path.name}: no version comment: {line.strip()}"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_scripts_take_expressions_through_env(path: Path) -> None:
    for step in _steps(yaml.safe_load(path.read_text(encoding="utf-8"))):
        assert "${{" not in step.get("run", ""), f"{path.name}: expression pasted into a script"
        assert "${{" not in step.get("with", {}).get("script", "")


def test_upload_sarif_has_category_and_permission() -> None:
    workflow = yaml.safe_load((DOCS / "ci" / "github-workflow.yml").read_text(encoding="utf-8"))
    (job,) = workflow["jobs"].values()
    upload = next(s for s in job["steps"] if s.get("uses", "").startswith("github/codeql-action/upload-sarif@"))
    assert upload["with"]["category"]
    assert job["permissions"]["security-events"] == "write"


def test_promotion_gates_staging_then_prod() -> None:
    workflow = yaml.safe_load((DOCS / "ci" / "promotion.yml").read_text(encoding="utf-8"))
    envs = [s["with"].get("environment") for s in _steps(workflow) if GATEKEEPER_ACTION.match(s.get("uses", ""))]
    assert envs == ["staging", "prod"]
    policy = yaml.safe_load((ROOT / "policies" / "staging-prod.yaml").read_text(encoding="utf-8"))
    assert set(envs) <= set(policy["environments"])
    assert "staging" in workflow["jobs"]["production"]["needs"]


def test_gitlab_job_keeps_junit_sarif_and_html() -> None:
    job = yaml.safe_load((DOCS / "ci" / "gitlab-ci.yml").read_text(encoding="utf-8"))["security-gate"]
    assert job["artifacts"]["when"] == "always"
    assert job["artifacts"]["reports"]["junit"] == "gatekeeper-junit.xml"
    assert {"gatekeeper.sarif", "gatekeeper.html"} <= set(job["artifacts"]["paths"])
    assert job["allow_failure"]["exit_codes"] == [3]


def test_jenkinsfile_records_junit_and_archives_sarif_and_html() -> None:
    text = (DOCS / "ci" / "Jenkinsfile").read_text(encoding="utf-8")
    assert text.count("{") == text.count("}")
    assert re.search(r"junit testResults: 'gatekeeper-junit\.xml'", text)
    assert re.search(r"archiveArtifacts artifacts: 'gatekeeper\.sarif, gatekeeper\.html'", text)
    (args,) = gatekeeper_commands(DOCS / "ci" / "Jenkinsfile")
    params = parse(args).params
    assert (params["junit_path"], params["sarif_path"], params["html_path"]) == ("gatekeeper-junit.xml", "gatekeeper.sarif", "gatekeeper.html")


def _yaml_blocks(path: Path) -> list[Any]:
    return [yaml.safe_load(b) for b in re.findall(r"^```yaml\n(.*?)^```", path.read_text(encoding="utf-8"), re.S | re.M)]


def _action_steps(node: Any) -> list[dict[str, Any]]:
    if isinstance(node, list):
        return [s for v in node for s in _action_steps(v)]
    if isinstance(node, dict):
        found = [node] if GATEKEEPER_ACTION.match(str(node.get("uses", "")).split(" ")[0]) else []
        return found + [s for v in node.values() for s in _action_steps(v)]
    return []


def test_ci_md_yaml_blocks_parse_and_use_declared_inputs() -> None:
    blocks = [b for page in PAGES for b in _yaml_blocks(page)]
    assert blocks and all(b is not None for b in blocks)
    steps = _action_steps(blocks)
    assert steps
    for step in steps:
        assert set(step.get("with", {})) <= set(ACTION["inputs"]), step


def test_ci_md_documents_every_input_and_output() -> None:
    text = CI_PAGE.read_text(encoding="utf-8")
    inputs = text.split("### Inputs", 1)[1].split("###", 1)[0]
    outputs = text.split("### Outputs", 1)[1].split("###", 1)[0]
    assert set(re.findall(r"`([\w-]+)`", inputs.split("| meaning |", 1)[1])) >= set(ACTION["inputs"])
    documented = set(re.findall(r"^\| (.*?) \|", outputs, re.M))
    names = {n for cell in documented for n in re.findall(r"`([\w-]+)`", cell)}
    assert names == set(ACTION["outputs"])
