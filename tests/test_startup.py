"""A small gate starts fast: heavy machinery is imported only when an option needs it.

Checked in a fresh interpreter (``sys.modules`` after a real ``gatekeeper check``), so the
test is deterministic; import *times* are measured by ``bench/run.py``, never asserted.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SMALL = ROOT / "fixtures" / "pipeline" / "hadolint.json"

# Network clients, container engines, schema validation, YAML and the SARIF object model:
# none is needed to gate a report with the built-in policy and print the console summary.
HEAVY = (
    "requests",
    "urllib3",
    "docker",
    "sarif_om",
    "jinja2",
    "jsonschema",
    "yaml",
    "gatekeeper.sources.docker_runner",
    "gatekeeper.reporters.sarif",
    "gatekeeper.reporters.html",
    "gatekeeper.reporters.json_format",
    # Reading a policy file (YAML, JSON Schema, extends) and writing one atomically: the
    # built-in policy and a console summary need neither.
    "gatekeeper.policy.extends",
    "gatekeeper.policy.schema",
    "gatekeeper.policy.yamlfile",
    "difflib",
    "tempfile",
    "importlib.resources",
    # Exploitation data (KEV, EPSS) and its decisions, without --kev/--epss or a policy's data:.
    "gatekeeper.risk",
    "gatekeeper.policy.exploitation",
    "gatekeeper.sources.datafiles",
    # The SonarQube client, without a --sonar-* option.
    "gatekeeper.sources.sonarqube",
    # The pull-request comment, without --pr-comment.
    "gatekeeper.pr_comment",
    # Commands that are not run (cli._LazyGroup).
    "gatekeeper.cli_beyond",
    # Recognising a report needs no adapter but its own (adapters/sniff.py).
    "gatekeeper.adapters.sonarqube",
    "gatekeeper.adapters.sonarqube.issues",
    "gatekeeper.adapters.sonarqube.hotspots",
    "gatekeeper.adapters.trivy",
    "gatekeeper.adapters.gitleaks",
    "gatekeeper.adapters.checkov",
    "gatekeeper.adapters.pip_audit",
    "gatekeeper.adapters.sarif",
    "gatekeeper.adapters.grype",
    "gatekeeper.adapters.osv_scanner",
    "gatekeeper.adapters.semgrep",
    "gatekeeper.adapters.npm_audit",
    "gatekeeper.adapters.trufflehog",
    "gatekeeper.adapters.cyclonedx",
    "gatekeeper.adapters.spdx",
    # The licence policy's SPDX library: only a licences: policy deciding a licence finding.
    "license_expression",
    # Building a policy from layers, and the selectors of rules: the built-in policy is
    # ``Policy()`` and categorising findings needs only ``policy.categories``.
    "gatekeeper.policy.build",
    "gatekeeper.policy.layers",
    "gatekeeper.policy.environments",
    "gatekeeper.policy.select",
    # Signed verdicts, without --attest.
    "gatekeeper.attestation",
    "gatekeeper.signing",
)

_PROBE = """
import json, sys
from gatekeeper.cli import main
try:
    main(sys.argv[2:])
except SystemExit:
    pass
with open(sys.argv[1], "w") as fh:
    json.dump(sorted(sys.modules), fh)
"""


def _modules_after(tmp_path: Path, *args: str) -> set[str]:
    out = tmp_path / "modules.json"
    proc = subprocess.run(
        [sys.executable, "-c", _PROBE, str(out), *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"PATH": "", "NO_COLOR": "1"},
    )
    assert out.exists(), proc.stderr
    return set(json.loads(out.read_text()))


def test_small_gate_imports_no_heavy_machinery(tmp_path: Path) -> None:
    modules = _modules_after(tmp_path, "check", "--no-color", str(SMALL))
    assert "gatekeeper.adapters.hadolint" in modules  # the gate did run
    assert sorted(m for m in HEAVY if m in modules) == []


@pytest.mark.parametrize(
    ("option", "module"),
    [("--sarif", "gatekeeper.reporters.sarif"), ("--html", "gatekeeper.reporters.html"), ("--json", "gatekeeper.reporters.json_format")],
)
def test_outputs_import_their_machinery_when_asked(tmp_path: Path, option: str, module: str) -> None:
    modules = _modules_after(tmp_path, "check", "--no-color", str(SMALL), option, str(tmp_path / "out"))
    assert module in modules


def test_sarif_output_needs_no_object_model(tmp_path: Path) -> None:
    # The log is written as plain data (27 ms of sarif-om and attrs imports saved per run;
    # tests/reporters/test_sarif_om.py holds it to what sarif-om writes).
    modules = _modules_after(tmp_path, "check", "--no-color", str(SMALL), "--sarif", str(tmp_path / "out.sarif"))
    assert "gatekeeper.reporters.sarif" in modules
    assert "sarif_om" not in modules and "attr" not in modules


def test_policy_file_imports_its_machinery_when_given(tmp_path: Path) -> None:
    policy = tmp_path / "policy.yml"
    policy.write_text("fail_on: high\n")
    modules = _modules_after(tmp_path, "check", "--no-color", str(SMALL), "--policy", str(policy))
    assert {"gatekeeper.policy.extends", "gatekeeper.policy.schema"} <= modules


def test_lazy_policy_names_still_importable() -> None:
    from gatekeeper.policy import load

    assert callable(load.schema) and callable(load.validate) and callable(load.parse_yaml)


def test_sonar_options_import_the_client(tmp_path: Path) -> None:
    modules = _modules_after(tmp_path, "check", "--no-color", str(SMALL), "--sonar-project", "key")
    assert "gatekeeper.sources.sonarqube" in modules


def test_sonar_option_without_url_is_still_a_usage_error() -> None:
    from gatekeeper.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(["check", str(SMALL), "--sonar-branch", "dev"])
    assert exit_info.value.code == 2


def test_escaping_patterns_compile_on_first_use() -> None:
    from gatekeeper.reporters import escape

    assert escape.terminal("plain") == "plain"
    assert escape.terminal("a\x1b[31mb") == "a\\x1b[31mb"
    assert escape.terminal("bidi\u202e") == "bidi\\u202e"


def test_program_exit_keeps_code_and_output(tmp_path: Path) -> None:
    # cli.main, run as the program, leaves through os._exit: output flushed, code kept.
    proc = subprocess.run(
        [sys.executable, "-m", "gatekeeper", "check", "--no-color", str(SMALL)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"PATH": "", "NO_COLOR": "1"},
    )
    assert proc.returncode == 1 and proc.stdout.rstrip().endswith("violate the policy."), proc.stderr


def test_built_in_policy_is_the_empty_layer() -> None:
    from gatekeeper.policy.layers import Layer
    from gatekeeper.policy.load import resolve_policy, to_policy
    from gatekeeper.policy.model import Policy

    built = to_policy(Layer(source="built-in default"), "built-in default")
    assert resolve_policy(None) == built == Policy() and repr(resolve_policy(None)) == repr(built)
    assert resolve_policy(None, "prod") == to_policy(Layer(source="built-in default"), "built-in default", "prod")


def test_select_still_exports_the_category_helpers() -> None:
    from gatekeeper.policy import categories, select

    for name in ("CATEGORIES", "PYPI_NAMES", "categories_of", "is_pypi", "normalise_path"):
        assert getattr(select, name) is getattr(categories, name)


def test_env_or_policy_file_builds_the_policy(tmp_path: Path) -> None:
    modules = _modules_after(tmp_path, "check", "--no-color", str(SMALL), "--env", "prod")
    assert {"gatekeeper.policy.layers", "gatekeeper.policy.environments"} <= modules


def test_every_format_has_a_sniffer() -> None:
    from gatekeeper.adapters import FORMATS, adapter_for
    from gatekeeper.adapters.registry import REPORT_FORMATS

    SNIFFERS = {f.name: f.sniff for f in REPORT_FORMATS}
    assert list(SNIFFERS) == list(FORMATS)
    # Real reports: the fixtures made by the scanners that run here, and corpus copies of the
    # ones that do not (tests/adapters/data).
    samples = [*(ROOT / "fixtures" / "reports").iterdir(), *(ROOT / "tests" / "adapters" / "data").glob("*.json")]
    docs = [json.loads(p.read_bytes()) for p in sorted(samples)]
    for name in FORMATS:  # each adapter recognises what detection does
        assert [adapter_for(name).sniff(d) for d in docs] == [SNIFFERS[name](d) for d in docs]
        assert any(SNIFFERS[name](d) for d in docs) or name == "sonarqube"


def test_commands_in_other_modules_are_listed_and_run() -> None:
    # baseline, replay, policy export and policy diff are imported only when run or listed.
    from click.testing import CliRunner

    from gatekeeper.cli import cli

    runner = CliRunner()
    listed = runner.invoke(cli, ["--help"]).output
    assert all(f"  {name} " in listed for name in ("approve", "baseline", "check", "policy", "replay", "scan"))
    listed = runner.invoke(cli, ["policy", "--help"]).output
    assert all(f"  {name} " in listed for name in ("diff", "export", "init", "schema", "validate"))
    for args in (["baseline", "create", "--help"], ["replay", "--help"], ["policy", "export", "--help"], ["policy", "diff", "--help"]):
        result = runner.invoke(cli, args)
        assert result.exit_code == 0 and "Usage: " in result.output, args
