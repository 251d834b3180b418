"""Scanner definitions, their configuration file, progress lines and the ``scan`` command's usage
errors: no Docker engine needed."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from gatekeeper.adapters import FORMATS
from gatekeeper.cli import main
from gatekeeper.scanners import DEFAULT_SCANNERS, ScannerConfigError, load_scanner_config, parse_scanner_config
from gatekeeper.sources.docker_runner import Progress, find_files, stderr_tail


@pytest.mark.parametrize("scanner", DEFAULT_SCANNERS.values(), ids=lambda s: s.name)
def test_defaults_are_pinned_and_readable(scanner) -> None:
    assert scanner.format in FORMATS
    if scanner.image is not None:
        assert re.search(r":v?\d+\.\d+\.\d+$", scanner.image), "images are pinned to a version"
    if scanner.report == "file":
        assert any("{report}" in a for a in scanner.args)


def test_render_fills_placeholders_and_expands_files() -> None:
    argv = DEFAULT_SCANNERS["pip-audit"].render(".", "/out/r.json", files=("a/requirements.txt", "requirements-dev.txt"))
    assert argv[-4:] == ["--requirement", "a/requirements.txt", "--requirement", "requirements-dev.txt"]
    assert argv[argv.index("--output") + 1] == "/out/r.json"
    image = DEFAULT_SCANNERS["trivy-image"].render(".", "/r", image="app:1", image_archive="/in/image.tar")
    assert image[:3] == ["image", "--input", "/in/image.tar"]


def test_config_changes_a_default_and_adds_a_scanner() -> None:
    doc = {"scanners": {
        "trivy-fs": {"network": "none", "timeout": 30, "memory": "1g"},
        "pip-audit": {"enabled": True},
        "semgrep-sarif": {"format": "sarif", "image": "semgrep:1.2.3", "args": ["--sarif", "-o", "{report}", "."],
                          "ok_exit_codes": [0, 1]},
    }}
    scanners = parse_scanner_config(doc, "gk.yaml")
    assert scanners["trivy-fs"].network == "none" and scanners["trivy-fs"].timeout == 30.0
    assert scanners["trivy-fs"].args == DEFAULT_SCANNERS["trivy-fs"].args
    assert scanners["pip-audit"].enabled
    assert scanners["semgrep-sarif"].ok_exit_codes == frozenset({0, 1})
    assert scanners["semgrep-sarif"].runner == "container"
    assert parse_scanner_config(None, "empty.yaml") == dict(DEFAULT_SCANNERS)


@pytest.mark.parametrize(("doc", "message"), [
    ([], r"gk.yaml: \$: must be a mapping with a 'scanners' key"),
    ({"scaners": {}}, r"gk.yaml: \$: unknown key\(s\): scaners"),
    ({"scanners": {"trivy-fs": {"timeout": -1}}}, r"scanners.trivy-fs.timeout: must be a positive number"),
    ({"scanners": {"trivy-fs": {"timeout": True}}}, r"scanners.trivy-fs.timeout: must be a positive number"),
    ({"scanners": {"trivy-fs": {"imgae": "x"}}}, r"scanners.trivy-fs: unknown key\(s\): imgae \(known: "),
    ({"scanners": {"gitleaks": {"ok_exit_codes": []}}}, r"scanners.gitleaks.ok_exit_codes: must be a non-empty list"),
    ({"scanners": {"gitleaks": {"ok_exit_codes": [0, 300]}}}, r"ok_exit_codes: must be a non-empty list of exit codes"),
    ({"scanners": {"gitleaks": {"args": "dir ."}}}, r"scanners.gitleaks.args: must be a list of strings"),
    ({"scanners": {"gitleaks": {"args": ["dir", "."]}}}, r"scanners.gitleaks.args: must contain \{report\}"),
    ({"scanners": {"gitleaks": {"runner": "ssh"}}}, r"scanners.gitleaks.runner: must be one of: container, local"),
    ({"scanners": {"gitleaks": {"enabled": "yes"}}}, r"scanners.gitleaks.enabled: must be true or false"),
    ({"scanners": {"gitleaks": {"environment": ["A=1"]}}}, r"scanners.gitleaks.environment: must be a mapping"),
    ({"scanners": {"mine": {"format": "trivy"}}}, r"scanners.mine: a new scanner needs 'args'"),
    ({"scanners": {"mine": {"args": ["{report}"]}}}, r"scanners.mine: a new scanner needs 'format'"),
    ({"scanners": {"mine": {"format": "nessus", "args": ["{report}"]}}}, r"scanners.mine.format: must be one of: trivy"),
    ({"scanners": {"bad name!": {}}}, r"scanners.bad name!: a scanner name uses letters"),
    ({"scanners": {"gitleaks": "off"}}, r"scanners.gitleaks: must be a mapping"),
    ({"scanners": {"gitleaks": {"image": ""}}}, r"scanners.gitleaks.image: must be a non-empty string"),
])
def test_config_errors_name_the_file_and_key(doc: object, message: str) -> None:
    with pytest.raises(ScannerConfigError, match=f"^gk.yaml: .*{message}" if not message.startswith("gk") else message):
        parse_scanner_config(doc, "gk.yaml")


def test_config_file_errors(tmp_path: Path) -> None:
    with pytest.raises(ScannerConfigError, match="missing.yaml: cannot read"):
        load_scanner_config(str(tmp_path / "missing.yaml"))
    bad = tmp_path / "bad.yaml"
    bad.write_text("scanners: [\n")
    with pytest.raises(ScannerConfigError, match="bad.yaml: invalid YAML"):
        load_scanner_config(str(bad))


def test_progress_plain_lines() -> None:
    stream = io.StringIO()
    progress = Progress(stream)
    assert not progress.live  # not a terminal
    progress.started("gitleaks", "image zricethezav/gitleaks:v8.30.1")
    progress.tick("gitleaks", 1.0)
    progress.tick("gitleaks", 31.0)
    progress.done("gitleaks", 32.04, "exit 0, 7 findings")
    progress.started("trivy-fs", "image aquasec/trivy:0.59.1")
    progress.failed("trivy-fs", 2.0)
    progress.skipped("hadolint", "no file matches **/Dockerfile")
    assert stream.getvalue().splitlines() == [
        "scan: gitleaks: started (image zricethezav/gitleaks:v8.30.1)",
        "scan: gitleaks: still running after 31 s",
        "scan: gitleaks: done in 32.0 s (exit 0, 7 findings)",
        "scan: trivy-fs: started (image aquasec/trivy:0.59.1)",
        "scan: trivy-fs: FAILED after 2.0 s",
        "scan: hadolint: skipped: no file matches **/Dockerfile",
    ]


def test_progress_on_a_terminal_updates_one_line_per_scanner() -> None:
    stream = io.StringIO()
    progress = Progress(stream, live=True)
    progress.started("gitleaks", "image g:1")
    progress.tick("gitleaks", 1.25)
    progress.done("gitleaks", 2.5, "exit 0, 0 findings")
    text = stream.getvalue()
    assert text.count("\n") == 1
    assert "running    1.2s" in text or "running    1.3s" in text
    assert text.endswith("\r\x1b[2K  gitleaks       done in 2.5 s (exit 0, 0 findings)\n")


def test_find_files_skips_hidden_folders(tmp_path: Path) -> None:
    for name in ("Dockerfile", "svc/Dockerfile.prod", ".git/Dockerfile", "a/.cache/x.Dockerfile", "docs/Dockerfile.md/x"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("FROM scratch\n")
    assert find_files(tmp_path, ("**/Dockerfile", "**/Dockerfile.*", "**/*.Dockerfile")) == ("Dockerfile", "svc/Dockerfile.prod")


def test_stderr_tail_keeps_the_last_lines() -> None:
    text = stderr_tail(b"".join(b"line %d\n" % i for i in range(100)), lines=3)
    assert text == "  stderr (last lines):\n    line 97\n    line 98\n    line 99"
    assert stderr_tail(b"") == "  (stderr was empty)"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    with pytest.raises(SystemExit) as exc:
        main(list(args))
    return int(exc.value.code or 0), capsys.readouterr().err


@pytest.mark.parametrize(("args", "message"), [
    (["--scanner", "nessus"], "unknown scanner 'nessus' (known: trivy-fs"),
    (["--local", "nessus"], "unknown scanner 'nessus'"),
    (["--scanner", "trivy-image"], "scanner trivy-image scans a container image: give --image REF"),
    (["--image", "app:1", "--scanner", "gitleaks"], "--image was given but no chosen scanner scans images"),
    (["--scanner-config", "/nonexistent/gk.yaml"], "gatekeeper: error: /nonexistent/gk.yaml: cannot read"),
])
def test_scan_usage_errors_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str) -> None:
    code, err = run(capsys, "scan", str(tmp_path), *args)
    assert code == 2
    assert message in err


def test_no_enabled_scanner_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "off.yaml"
    config.write_text("scanners:\n" + "".join(f"  {n}:\n    enabled: false\n" for n in DEFAULT_SCANNERS))
    code, err = run(capsys, "scan", str(tmp_path), "--scanner-config", str(config))
    assert code == 2
    assert "no scanner to run" in err


def test_unreachable_engine_fails_closed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no.sock")
    code, err = run(capsys, "scan", str(tmp_path), "--scanner", "gitleaks")
    assert code == 2
    assert f"gitleaks: cannot reach the Docker engine at unix://{tmp_path}/no.sock" in err


def test_scan_takes_every_gate_option_of_check() -> None:
    from gatekeeper.cli import _GATE_OPTIONS, check, scan

    assert [p.name for p in scan.params if p.name in _GATE_OPTIONS] == list(_GATE_OPTIONS)
    assert {p.name for p in check.params} >= set(_GATE_OPTIONS)
