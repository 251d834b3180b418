"""``gatekeeper scan`` with a real Docker engine, second round of hardening (issue 21, items
18-20): files the sandbox user cannot read, containers leaked by an interrupted create, and an
engine that dies or hangs in the middle of a scan. Each case runs the real CLI against the
private engine of conftest.py."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import struct
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gatekeeper.scanners import DEFAULT_SCANNERS
from gatekeeper.sources import docker_runner
from gatekeeper.sources.docker_runner import skipped_files
from tests.scan.images import PROBE_IMAGE
from tests.scan.test_scan_docker import OFFLINE, created, leftovers, probe_config, run  # noqa: F401 - created: a fixture

AWS_KEY = 'aws_access_key_id = "AKIAQYLPMN5HFIQR7XYA"\n'


def workspace(tmp_path: Path) -> Path:
    """A workspace holding a secret in ``settings.py`` (mode 644, owned by root) and a README."""
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "settings.py").write_text(AWS_KEY)
    (ws / "README.md").write_text("# app\n")
    return ws


def deny_acl(path: Path, uid: int) -> bool:
    """Give ``path`` a POSIX ACL entry denying ``uid`` everything (mode bits unchanged);
    ``False`` where the file system has no ACLs."""
    undefined = 0xFFFFFFFF
    entries = [(0x01, 6, undefined), (0x02, 0, uid), (0x04, 4, undefined), (0x10, 4, undefined), (0x20, 4, undefined)]
    value = struct.pack("<I", 2) + b"".join(struct.pack("<HHI", *e) for e in entries)
    try:
        os.setxattr(path, "system.posix_acl_access", value)
    except OSError:
        return False
    return True


# 18. Files the scanners' user cannot read


def test_unreadable_file_fails_closed_before_any_scanner_runs(engine: Any, created: list[dict[str, Any]],
                                                             tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ws = workspace(tmp_path)
    (ws / "settings.py").chmod(0o600)
    private = ws / "private"
    private.mkdir(mode=0o700)
    (private / "key.txt").write_text("x\n")
    code, out, err = run(capsys, "scan", str(ws), "--scanner", "gitleaks", "--scanner", "trivy-fs",
                         "--scanner-config", OFFLINE, "--pull", "never", "--no-color")
    assert code == 2, out + err
    assert "PASSED" not in out
    assert ("gitleaks: not run: the scanners' user 65532:65532 cannot read 2 paths of the workspace, "
            "which a scanner skips without failing: ") in err
    assert "settings.py (owner 0:0, mode 600)" in err and "private/ (owner 0:0, mode 700)" in err
    assert "Run as their owner (--user 0:0) or make them readable" in err
    assert "trivy-fs: not run: the same paths are unreadable to 65532:65532" in err
    assert "2 of 2 scanners failed; the gate was not evaluated" in err
    assert created == []  # nothing ran

    # Run as the files' owner, the scanners read them: the secret fails the gate.
    code, out, err = run(capsys, "scan", str(ws), "--scanner", "gitleaks", "--scanner", "trivy-fs",
                         "--scanner-config", OFFLINE, "--pull", "never", "--no-color", "--user", "0:0")
    assert code == 1, out + err
    assert "FAILED" in out and "settings.py" in out
    assert leftovers(engine) == []


def test_unreadable_list_is_bounded(engine: Any, created: list[dict[str, Any]], tmp_path: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    ws = workspace(tmp_path)
    for i in range(25):
        secret = ws / f"s{i:02}.env"
        secret.write_text("x\n")
        secret.chmod(0o600)
    code, _, err = run(capsys, "scan", str(ws), "--scanner", "gitleaks", "--pull", "never")
    assert code == 2
    assert "cannot read 25 paths of the workspace" in err and ", and 15 more. Run as their owner" in err
    assert err.count("(owner 0:0, mode 600)") == docker_runner.UNREADABLE_LISTED
    assert created == []


def test_a_named_user_cannot_be_checked_and_fails_closed(engine: Any, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "scan", str(workspace(tmp_path)), "--scanner", "gitleaks", "--pull", "never",
                       "--user", "nobody")
    assert code == 2
    assert "gitleaks: not run: its user 'nobody' is not numeric (UID:GID)" in err


def test_a_file_the_scanner_says_it_skipped_is_a_coverage_gap(engine: Any, tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    # The mode bits say readable, an ACL denies the sandbox user: the check before the run
    # cannot see it, gitleaks skips the file with a warning (exit 0, no finding).
    ws = workspace(tmp_path)
    if not deny_acl(ws / "settings.py", 65532):
        pytest.skip("the file system of the temporary folder has no POSIX ACLs")
    code, out, err = run(capsys, "scan", str(ws), "--scanner", "gitleaks", "--pull", "never", "--no-color")
    assert code == 0, out + err  # the default policy warns about coverage gaps
    assert "PASSED: no finding" not in out
    assert "not audited: settings.py: gitleaks skipped it: permission denied" in out + err

    policy = tmp_path / "gaps-fail.yaml"
    policy.write_text("version: 1\nreports:\n  gaps: fail\n")
    code, out, err = run(capsys, "scan", str(ws), "--scanner", "gitleaks", "--pull", "never", "--no-color",
                         "--policy", str(policy))
    assert code == 1, out + err
    assert "not audited: settings.py: gitleaks skipped it: permission denied" in out
    assert leftovers(engine) == []


def test_skip_warnings_are_bounded_and_unquoted() -> None:
    gitleaks = DEFAULT_SCANNERS["gitleaks"]
    stderr = "".join(f'6:51PM WRN skipping file: permission denied path="dir {i}/a.py"\n' for i in range(60))
    gaps = skipped_files(gitleaks, (stderr + "6:51PM WRN something else\n").encode())
    assert len(gaps) == docker_runner.SKIPPED_LISTED + 1
    assert gaps[0].subject == "dir 0/a.py" and gaps[0].reason == "gitleaks skipped it: permission denied"
    assert gaps[-1].subject == "10 more files"
    assert skipped_files(DEFAULT_SCANNERS["trivy-fs"], stderr.encode()) == ()


# 19. Containers leaked by an interrupted create; leftovers of earlier runs


def test_interrupt_between_create_and_inspect_leaves_no_container(engine: Any, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    # The SDK's create() is the engine's create, then an inspect (get); Ctrl-C between the two
    # leaves a container the caller has no handle on.
    from docker.models.containers import ContainerCollection

    def interrupted(self: Any, container_id: str) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr(ContainerCollection, "get", interrupted)
    code, _, err = run(capsys, "scan", str(workspace(tmp_path)), "--scanner-config", probe_config(tmp_path, "sleep 60"),
                       "--scanner", "probe", "--pull", "never")
    assert code == 2
    assert "interrupted: the scan was stopped and its container removed" in err
    assert leftovers(engine) == []


def test_leftovers_of_earlier_runs_are_removed(engine: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    earlier = {"io.gatekeeper.scanner": "checkov", "io.gatekeeper.run": "earlier"}
    made = []
    try:
        never_started = engine.containers.create(PROBE_IMAGE, ["-c", "true"], labels=earlier)
        exited = engine.containers.create(PROBE_IMAGE, ["-c", "true"], labels=earlier)
        exited.start()
        exited.wait(timeout=30)
        running = engine.containers.create(PROBE_IMAGE, ["-c", "sleep 60"], labels=earlier)
        running.start()
        foreign = engine.containers.create(PROBE_IMAGE, ["-c", "true"])
        made = [never_started, exited, running, foreign]
        config = probe_config(tmp_path, 'echo "[]" > "$0"')
        scan = ("scan", str(workspace(tmp_path)), "--scanner-config", config, "--scanner", "probe", "--pull", "never")

        # Just made, they could belong to a run still going: kept.
        code, _, err = run(capsys, *scan)
        assert code == 0, err
        assert len(leftovers(engine)) == 4

        monkeypatch.setattr(docker_runner, "LEFTOVER_GRACE_SECONDS", 0.0)
        code, _, err = run(capsys, *scan)
        assert code == 0, err
        assert "scan: removed 2 stopped gatekeeper containers left by earlier runs" in err
        assert sorted(leftovers(engine)) == sorted([running.name, foreign.name])
    finally:
        import docker

        for container in made:
            with contextlib.suppress(docker.errors.NotFound):
                container.remove(force=True)


# 20. The engine dies or hangs in the middle of a scan


class EngineProxy:
    """A Unix socket in front of the engine's, which can die (closing every connection) or
    hang (holding every request) on demand."""

    def __init__(self, upstream: str, path: Path) -> None:
        self.upstream = upstream.removeprefix("unix://")
        self.path = path
        self.mode = "forward"
        self.sockets: list[socket.socket] = []
        self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.server.bind(str(path))
        self.server.listen(16)
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"unix://{self.path}"

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            if self.mode == "dead":
                client.close()
                continue
            engine = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            engine.connect(self.upstream)
            self.sockets += [client, engine]
            threading.Thread(target=self._pump, args=(client, engine), daemon=True).start()
            threading.Thread(target=self._pump, args=(engine, client), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                while self.mode == "hang":
                    time.sleep(0.05)
                if self.mode == "dead":
                    break
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def die(self) -> None:
        self.mode = "dead"
        self.server.close()
        for s in self.sockets:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()

    def hang(self) -> None:
        self.mode = "hang"


@pytest.fixture
def proxy(engine: Any, docker_host: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[EngineProxy]:
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="gk-proxy-", dir="/tmp"))
    p = EngineProxy(docker_host, folder / "engine.sock")
    monkeypatch.setenv("DOCKER_HOST", p.url)
    yield p
    p.die()
    for container in engine.containers.list(all=True):
        container.remove(force=True)
    (folder / "engine.sock").unlink(missing_ok=True)
    folder.rmdir()


def when_running(engine: Any, then: Any) -> threading.Thread:
    """Call ``then`` once the probe's container runs (from a thread: the scan blocks the test)."""
    def watch() -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if engine.containers.list(filters={"label": "io.gatekeeper.scanner=probe", "status": "running"}):
                then()
                return
            time.sleep(0.1)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


def two_scanners(tmp_path: Path) -> tuple[str, ...]:
    config = tmp_path / "two.yaml"
    probe = json.loads(Path(probe_config(tmp_path, "sleep 60")).read_text())["scanners"]["probe"]
    config.write_text(json.dumps({"scanners": {"probe": probe}}))
    return ("scan", str(workspace(tmp_path)), "--scanner-config", str(config), "--scanner", "probe",
            "--scanner", "gitleaks", "--pull", "never")


def test_engine_dying_mid_scan_names_the_scanner_and_the_engine(engine: Any, proxy: EngineProxy, tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    watcher = when_running(engine, proxy.die)
    code, _, err = run(capsys, *two_scanners(tmp_path))
    watcher.join()
    assert code == 2
    assert "internal error" not in err
    assert f"gatekeeper: error: probe: lost the Docker engine at {proxy.url} (ConnectionError: " in err
    assert "the scan's result is unknown" in err
    assert f"gitleaks: not run: the Docker engine at {proxy.url} was lost during probe" in err
    assert "2 of 2 scanners failed; the gate was not evaluated" in err


def test_hung_engine_costs_one_engine_timeout(engine: Any, proxy: EngineProxy, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    watcher = when_running(engine, proxy.hang)
    started = time.monotonic()
    code, _, err = run(capsys, *two_scanners(tmp_path), "--engine-timeout", "2")
    elapsed = time.monotonic() - started
    watcher.join()
    assert code == 2
    assert "internal error" not in err
    assert f"probe: lost the Docker engine at {proxy.url} (no answer within 2 s (--engine-timeout))" in err
    assert f"gitleaks: not run: the Docker engine at {proxy.url} was lost during probe" in err
    assert elapsed < 20  # not a timeout per scanner, nor the SDK's 60 s


def test_unreachable_engine_is_tried_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    host = f"unix://{tmp_path}/no-engine.sock"
    monkeypatch.setenv("DOCKER_HOST", host)
    code, _, err = run(capsys, "scan", str(workspace(tmp_path)), "--scanner", "gitleaks", "--scanner", "trivy-fs",
                       "--pull", "never")
    assert code == 2
    assert "internal error" not in err
    assert f"gitleaks: cannot reach the Docker engine at {host}: " in err
    assert f"trivy-fs: not run: cannot reach the Docker engine at {host}: " in err


@pytest.mark.parametrize("value", ["0", "-1", "nan", "inf"])
def test_engine_timeout_must_be_a_positive_number(value: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "scan", ".", "--engine-timeout", value)
    assert code == 2
    assert "--engine-timeout" in err


@pytest.mark.parametrize(("patterns", "message"), [
    (["(unclosed"], r"scanners.gitleaks.skip_warnings: '\(unclosed' is not a regular expression"),
    (["WRN skipping file"], r"scanners.gitleaks.skip_warnings: 'WRN skipping file' needs a group named 'path'"),
    ("WRN", r"scanners.gitleaks.skip_warnings: must be a list of strings"),
])
def test_skip_warnings_in_the_configuration_are_checked(patterns: Any, message: str) -> None:
    from gatekeeper.scanners import ScannerConfigError, parse_scanner_config

    with pytest.raises(ScannerConfigError, match=message):
        parse_scanner_config({"scanners": {"gitleaks": {"skip_warnings": patterns}}}, "gk.yaml")
