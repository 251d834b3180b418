"""``gatekeeper scan`` against a real Docker engine (see conftest.py): the real scanners in
containers, the sandbox they get, and every way a scanner run fails closed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gatekeeper.cli import main
from gatekeeper.scanners import DEFAULT_SCANNERS
from tests.conftest import FIXTURES, REPORTS, ROOT
from tests.scan.conftest import SCANNERS_VENV, require
from tests.scan.images import LEAKY_IMAGE, PIP_AUDIT_IMAGE, PROBE_IMAGE

OFFLINE = str(Path(__file__).with_name("offline.yaml"))
TARGETS = FIXTURES / "targets"
WORKSPACE_SCANNERS = ["trivy-fs", "trivy-config", "gitleaks", "hadolint"]


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run the CLI in-process; return (exit code, stdout, stderr)."""
    with pytest.raises(SystemExit) as exc:
        main(list(args))
    out = capsys.readouterr()
    code = exc.value.code
    return (code if isinstance(code, int) else 0), out.out, out.err


def probe_config(tmp_path: Path, script: str, **fields: Any) -> str:
    """A config with one scanner, ``probe``: busybox ``sh -c SCRIPT`` read as a hadolint report."""
    entry = {"format": "hadolint", "image": PROBE_IMAGE, "entrypoint": ["/bin/sh"],
             "args": ["-c", script, "{report}"], **fields}
    path = tmp_path / "probe.yaml"
    path.write_text(json.dumps({"scanners": {"probe": entry}}))  # JSON is YAML
    return str(path)


def leftovers(engine: Any) -> list[str]:
    return [c.name for c in engine.containers.list(all=True)]


@pytest.fixture
def created(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The keyword arguments of every container gatekeeper creates."""
    from docker.models.containers import ContainerCollection

    calls: list[dict[str, Any]] = []
    real = ContainerCollection.create

    def spy(self: Any, image: str, command: Any = None, **kwargs: Any) -> Any:
        calls.append({"image": image, "command": command, **kwargs})
        return real(self, image, command, **kwargs)

    monkeypatch.setattr(ContainerCollection, "create", spy)
    return calls


def test_scan_gives_the_verdict_check_gives(engine: Any, created: list[dict[str, Any]],
                                            tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    kept = tmp_path / "reports"
    selection = [a for name in WORKSPACE_SCANNERS for a in ("--scanner", name)]
    code, out, err = run(capsys, "scan", str(TARGETS), "--scanner-config", OFFLINE, *selection,
                         "--reports-dir", str(kept), "--pull", "never", "--no-color")
    assert code == 1, err  # planted secrets fail the default policy
    assert "FAILED" in out
    assert sorted(p.name for p in kept.iterdir()) == sorted(f"{n}.json" for n in WORKSPACE_SCANNERS)

    check_code, check_out, _ = run(capsys, "check", *(str(kept / f"{n}.json") for n in WORKSPACE_SCANNERS), "--no-color")
    assert check_code == code
    assert check_out.replace(str(kept) + "/", "") == out.replace(" (gatekeeper scan)", ".json")

    # The same pinned versions on the same files find what the committed fixtures hold.
    for name in ("gitleaks", "hadolint"):
        assert len(json.loads((kept / f"{name}.json").read_text())) == len(json.loads((REPORTS / f"{name}.json").read_text()))
    secrets = {s["RuleID"] for r in json.loads((kept / "trivy-fs.json").read_text())["Results"] for s in r.get("Secrets", [])}
    assert {"aws-access-key-id", "github-pat", "private-key"} <= secrets

    assert [c["labels"]["io.gatekeeper.scanner"] for c in created] == WORKSPACE_SCANNERS
    for kwargs in created:
        assert kwargs["image"] == DEFAULT_SCANNERS[kwargs["labels"]["io.gatekeeper.scanner"]].image
        assert kwargs["network_mode"] == "none"
        assert kwargs["user"] == "65532:65532"
        assert kwargs["read_only"] is True and kwargs["cap_drop"] == ["ALL"]
        assert kwargs["mem_limit"] and kwargs["nano_cpus"] > 0 and kwargs["pids_limit"] > 0
        workspace = next(m for m in kwargs["mounts"] if m["Target"] == "/workspace")
        assert workspace["ReadOnly"] is True and workspace["Source"] == str(TARGETS)
    assert leftovers(engine) == []


def test_progress_is_plain_lines_in_ci_logs(engine: Any, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "scan", str(TARGETS), "--scanner", "gitleaks", "--pull", "never")
    assert code == 1
    lines = [line for line in err.splitlines() if line.startswith("scan: ")]
    assert lines[0] == f"scan: gitleaks: started (image {DEFAULT_SCANNERS['gitleaks'].image})"
    assert lines[1].startswith("scan: gitleaks: done in ") and lines[1].endswith(" s (exit 0, 7 findings)")
    assert "\r" not in err and "\x1b" not in err


def test_image_scan(engine: Any, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "scan", str(TARGETS), "--image", LEAKY_IMAGE, "--scanner", "trivy-image",
                         "--scanner-config", OFFLINE, "--pull", "never", "--no-color")
    assert code == 1, err
    assert "AWS" in out
    assert leftovers(engine) == []


def test_sandbox_non_root_no_network_read_only(engine: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    script = textwrap.dedent("""\
        set -e
        test "$(id -u)" != 0
        test "$(ls /sys/class/net)" = lo
        ! touch /etc-was-writable 2>/dev/null
        test -r Dockerfile
        echo '[]' > "$0"
        """)
    code, _, err = run(capsys, "scan", str(TARGETS), "--scanner-config", probe_config(tmp_path, script),
                       "--scanner", "probe", "--pull", "never")
    assert code == 0, err


def test_network_is_configurable(engine: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    script = 'test "$(ls /sys/class/net)" != lo && echo "[]" > "$0"'
    config = probe_config(tmp_path, script, network="host")
    code, _, err = run(capsys, "scan", str(TARGETS), "--scanner-config", config, "--scanner", "probe", "--pull", "never")
    assert code == 0, err


def test_workspace_is_read_only(engine: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "ws").mkdir()
    config = probe_config(tmp_path, 'touch scanner-was-here && echo "[]" > "$0"')
    code, _, err = run(capsys, "scan", str(tmp_path / "ws"), "--scanner-config", config, "--scanner", "probe", "--pull", "never")
    assert code == 2
    assert "probe: exited 1, which is not a completed scan (expected 0)" in err
    assert "Read-only file system" in err
    assert list((tmp_path / "ws").iterdir()) == []
    assert leftovers(engine) == []


def test_missing_image_fails_naming_the_scanner(engine: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = probe_config(tmp_path, "true", image="gatekeeper-test/absent:1")
    for pull, says in (("never", "is not in the Docker engine (and --pull never)"), ("missing", "is not in the Docker engine and could not be pulled")):
        code, _, err = run(capsys, "scan", str(TARGETS), "--scanner-config", config, "--scanner", "probe",
                           "--scanner", "gitleaks", "--pull", pull)
        assert code == 2
        assert f"gatekeeper: error: probe: image gatekeeper-test/absent:1 {says}" in err
        assert "1 of 2 scanners failed; the gate was not evaluated" in err
        assert "scan: gitleaks: done" in err  # the other scanners still ran


def test_error_exit_fails_with_stderr_tail(engine: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    script = "i=0; while [ $i -lt 40 ]; do echo noise $i >&2; i=$((i+1)); done; echo 'fatal: rules file corrupt' >&2; exit 3"
    code, _, err = run(capsys, "scan", str(TARGETS), "--scanner-config", probe_config(tmp_path, script),
                       "--scanner", "probe", "--pull", "never")
    assert code == 2
    assert "probe: exited 3, which is not a completed scan" in err
    assert "    fatal: rules file corrupt" in err
    assert "noise 39" in err and "noise 5\n" not in err  # only the tail
    assert leftovers(engine) == []


def test_real_scanner_error_fails_closed(engine: Any, capsys: pytest.CaptureFixture[str]) -> None:
    # trivy's vulnerability scanner with no DB and no network to fetch one.
    code, _, err = run(capsys, "scan", str(TARGETS), "--scanner", "trivy-fs", "--pull", "never",
                       "--scanner-config", str(Path(__file__).with_name("no-db.yaml")))
    assert code == 2
    assert "trivy-fs: exited 1, which is not a completed scan (expected 0)" in err
    assert "stderr (last lines):" in err and "cannot be specified on the first run" in err


def test_findings_exit_without_report_fails(engine: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "scan", str(TARGETS), "--scanner-config", probe_config(tmp_path, "echo quiet >&2"),
                       "--scanner", "probe", "--pull", "never")
    assert code == 2
    assert "probe: exited 0 but wrote no report" in err and "quiet" in err


def test_timeout_stops_and_removes_the_container(engine: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    started = time.monotonic()
    code, _, err = run(capsys, "scan", str(TARGETS), "--scanner-config", probe_config(tmp_path, "echo waiting >&2; sleep 60"),
                       "--scanner", "probe", "--pull", "never", "--timeout", "2")
    assert code == 2
    assert "probe: timed out after 2 s and was stopped" in err and "waiting" in err
    assert time.monotonic() - started < 30
    assert leftovers(engine) == []


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_interrupt_removes_the_container(engine: Any, docker_host: str, tmp_path: Path, signum: int) -> None:
    config = probe_config(tmp_path, "sleep 60")
    proc = subprocess.Popen(
        [sys.executable, "-m", "gatekeeper", "scan", str(TARGETS), "--scanner-config", config,
         "--scanner", "probe", "--pull", "never"],
        env={**os.environ, "DOCKER_HOST": docker_host}, cwd=ROOT,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while not engine.containers.list(filters={"label": "io.gatekeeper.scanner=probe", "status": "running"}):
            assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
            time.sleep(0.1)
        proc.send_signal(signum)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 2
    assert "gatekeeper: error: interrupted: the scan was stopped" in err
    assert leftovers(engine) == []


def test_hadolint_is_skipped_without_dockerfile(engine: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "app.py").write_text("print('hi')\n")
    code, _, err = run(capsys, "scan", str(tmp_path), "--scanner", "hadolint", "--pull", "never")
    assert code == 2
    assert "scan: hadolint: skipped: no file matches **/Dockerfile" in err
    assert "no scanner produced a report" in err


def test_local_binary_instead_of_container(engine: Any, created: list[dict[str, Any]], tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    require(SCANNERS_VENV.is_dir(), f"{SCANNERS_VENV}: scanners' venv not found")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    from tests.scan.images import scanner_binaries

    for tool, binary in scanner_binaries(SCANNERS_VENV).items():
        (bin_dir / tool).symlink_to(binary)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    kept = tmp_path / "reports"
    code, _, err = run(capsys, "scan", str(TARGETS), "--local", "all", "--scanner", "gitleaks", "--scanner", "hadolint",
                       "--reports-dir", str(kept))
    assert code == 1, err
    assert "scan: gitleaks: started (local gitleaks)" in err
    assert created == []
    assert len(json.loads((kept / "gitleaks.json").read_text())) == 7
    assert len(json.loads((kept / "hadolint.json").read_text())) == len(json.loads((REPORTS / "hadolint.json").read_text()))


def test_scan_with_a_baseline_and_an_approval(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    # scan ends in check's gate: a baseline of its findings, then a signed approval of
    # what needs one, open it as they open check's.
    require(SCANNERS_VENV.is_dir(), f"{SCANNERS_VENV}: scanners' venv not found")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    from tests.scan.images import scanner_binaries

    (bin_dir / "hadolint").symlink_to(scanner_binaries(SCANNERS_VENV)["hadolint"])
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("GATEKEEPER_APPROVAL_KEY", "scan-test-key-0123456789abcdef")
    scan = ("scan", str(TARGETS), "--local", "hadolint", "--scanner", "hadolint")
    kept, base, record = tmp_path / "reports", tmp_path / "baseline.json", tmp_path / "approval.json"
    code, out, err = run(capsys, *scan, "--reports-dir", str(kept))
    assert code == 1, out + err
    assert run(capsys, "baseline", "create", "-o", str(base), str(kept / "hadolint.json"))[0] == 0
    code, out, err = run(capsys, *scan, "--baseline", str(base))
    assert code == 0, out + err
    prod = ("--policy", str(ROOT / "policies" / "release-approval.yaml"), "--env", "prod")
    code, out, err = run(capsys, *scan, *prod)
    assert code == 3, out + err
    code, _, err = run(capsys, "approve", *prod, "--approver", "alice", "--reason", "CHG-9", "-o", str(record),
                       str(kept / "hadolint.json"))
    assert code == 0, err
    code, out, err = run(capsys, *scan, *prod, "--approval", str(record))
    assert code == 0, out + err
    assert "approved by alice" in out


def test_local_program_missing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    code, _, err = run(capsys, "scan", str(TARGETS), "--local", "gitleaks", "--scanner", "gitleaks")
    assert code == 2
    assert "gitleaks: program 'gitleaks' not found on PATH (runner: local)" in err


@pytest.fixture
def osv_url(tmp_path: Path) -> Iterator[str]:
    """The ``/v1/query`` URL of a loopback OSV server over the PyPA advisory database."""
    from tests.conftest import SHARED, require_shared

    vulns = SHARED / "data/pypa-advisory-database/vulns"
    if not vulns.is_dir():
        require_shared()
    port_file = tmp_path / "osv.port"
    server = subprocess.Popen([sys.executable, str(ROOT / "scripts/osv_server.py"), "--db", str(vulns),
                               "--port", "0", "--port-file", str(port_file)], stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while not (port_file.is_file() and port_file.read_text().strip()):
            assert server.poll() is None and time.monotonic() < deadline, "osv_server.py did not start"
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port_file.read_text().strip()}/v1/query"
    finally:
        server.terminate()
        server.wait(timeout=10)


def pip_audit_config(tmp_path: Path, url: str, **fields: Any) -> str:
    """pip-audit's defaults pointed at the OSV server ``url``."""
    args = ["--no-deps", "--disable-pip", "-s", "osv", "--osv-url", url, "--format", "json", "--output", "{report}", "{files}"]
    config = tmp_path / "pip-audit.yaml"
    config.write_text(json.dumps({"scanners": {"pip-audit": {"args": args, **fields}}}))
    return str(config)


def vuln_ids(report: Path) -> set[tuple[str, str]]:
    return {(d["name"], v["id"]) for d in json.loads(report.read_text())["dependencies"] for v in d.get("vulns", [])}


def test_pip_audit_as_a_local_program(osv_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    from tests.scan.conftest import require

    program = SCANNERS_VENV / "bin/pip-audit"
    require(program.is_file(), f"{program}: not found")
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin/pip-audit").symlink_to(program)
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    code, out, err = run(capsys, "scan", str(TARGETS), "--scanner", "pip-audit",
                         "--scanner-config", pip_audit_config(tmp_path, osv_url), "--no-color")
    assert code == 1, err
    assert "scan: pip-audit: started (local pip-audit)" in err
    assert "PYSEC-" in out and "not audited: acme-widgets" in out


def test_pip_audit_in_a_container(engine: Any, created: list[dict[str, Any]], osv_url: str, tmp_path: Path,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    # The OSV server listens on the host's loopback: the container shares the host's network.
    config = pip_audit_config(tmp_path, osv_url, runner="container", image=PIP_AUDIT_IMAGE, network="host")
    kept = tmp_path / "reports"
    code, out, err = run(capsys, "scan", str(TARGETS), "--scanner", "pip-audit", "--scanner-config", config,
                         "--reports-dir", str(kept), "--pull", "never", "--no-color")
    assert code == 1, err
    assert f"scan: pip-audit: started (image {PIP_AUDIT_IMAGE})" in err
    assert "not audited: acme-widgets" in out
    # The same pip-audit on the same requirements finds what the committed fixture holds.
    assert vuln_ids(kept / "pip-audit.json") == vuln_ids(REPORTS / "pip-audit.json") != set()

    [kwargs] = created
    assert kwargs["image"] == PIP_AUDIT_IMAGE and kwargs["entrypoint"] == ["pip-audit"]
    assert kwargs["command"][-2:] == ["--requirement", "app/requirements.txt"]
    assert kwargs["network_mode"] == "host"
    assert kwargs["user"] == "65532:65532"
    assert kwargs["read_only"] is True and kwargs["cap_drop"] == ["ALL"]
    workspace = next(m for m in kwargs["mounts"] if m["Target"] == "/workspace")
    assert workspace["ReadOnly"] is True and workspace["Source"] == str(TARGETS)
    assert leftovers(engine) == []


def failed_checks(report: Path) -> list[tuple[str, str, str]]:
    doc = json.loads(report.read_text())
    return sorted((r["check_type"], c["check_id"], c["resource"])
                  for r in (doc if isinstance(doc, list) else [doc]) for c in r["results"]["failed_checks"])


def test_checkov_in_a_container(engine: Any, created: list[dict[str, Any]], tmp_path: Path,
                                capsys: pytest.CaptureFixture[str]) -> None:
    kept = tmp_path / "reports"
    code, out, err = run(capsys, "scan", str(TARGETS), "--scanner", "checkov", "--reports-dir", str(kept),
                         "--pull", "never", "--no-color")
    assert code == 1, err
    assert f"scan: checkov: started (image {DEFAULT_SCANNERS['checkov'].image})" in err
    # The pinned checkov, offline (--skip-download), fails the checks the committed fixture holds.
    assert failed_checks(kept / "checkov.json") == failed_checks(REPORTS / "checkov.json") != []

    [kwargs] = created
    assert kwargs["image"] == DEFAULT_SCANNERS["checkov"].image and kwargs["entrypoint"] == ["checkov"]
    assert kwargs["network_mode"] == "none"
    assert kwargs["user"] == "65532:65532"
    assert kwargs["read_only"] is True and kwargs["cap_drop"] == ["ALL"]
    workspace = next(m for m in kwargs["mounts"] if m["Target"] == "/workspace")
    assert workspace["ReadOnly"] is True and workspace["Source"] == str(TARGETS)
    assert leftovers(engine) == []
