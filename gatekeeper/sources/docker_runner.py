"""Run scanners and collect their reports: in containers through the Docker Engine API, or as
local programs.

A container gets the workspace read-only at ``/workspace`` (also its working directory), a
fresh ``/gatekeeper/out`` for the report and a fresh ``/tmp``; everything else is read-only.
It runs as a non-root user, without capabilities, with no network unless the scanner's
``network`` says otherwise, under memory, CPU and process limits, and it is always removed:
on success, failure, timeout, Ctrl-C and SIGTERM.

Every way a scanner can fail (a missing image or program, an exit code that is not one of its
"scan ran" codes, a crash, a timeout, no report or an unreadable one) is a ``ScanError`` whose
message starts with the scanner's name and ends with the tail of its stderr: the gate fails
closed. ``docker`` is imported only when a container is needed.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from gatekeeper.adapters import AdapterError, parse_document
from gatekeeper.model import Report
from gatekeeper.scanners import Scanner
from gatekeeper.sources.decode import JsonDecodeError, decode_json

WORKSPACE = "/workspace"
OUT = "/gatekeeper/out"
IMAGE_ARCHIVE = "/gatekeeper/in/image.tar"
DEFAULT_USER = "65532:65532"
"""The container user when gatekeeper itself runs as root (the distroless "nonroot" ids)."""
STDERR_TAIL_LINES = 15
POLL_SECONDS = 0.25


class ScanError(Exception):
    """A scanner did not produce a usable report; the message starts with its name."""


@dataclass(frozen=True)
class ScanSettings:
    """Choices that apply to every scanner of one run."""

    timeout: float | None = None
    """Seconds; overrides each scanner's own timeout."""
    pull: str = "missing"
    """``missing``: pull an image the engine does not have; ``never``: fail instead."""
    user: str | None = None
    """Container user (``UID:GID``); default: the caller's ids, or 65532 when run as root."""
    docker_host: str | None = None
    """Engine address (``unix:///...``); default: ``DOCKER_HOST`` or the local socket."""


@dataclass(frozen=True)
class ScanOutcome:
    """One scanner's report, read and adapted."""

    scanner: Scanner
    """What ran."""
    raw: bytes
    """The report exactly as the scanner wrote it."""
    report: Report
    """The adapted report."""
    exit_code: int
    """The scanner's exit code (one of its ``ok_exit_codes``)."""


class Progress:
    """One line per scanner on stderr: updated in place on a terminal, plain lines in CI logs."""

    HEARTBEAT_SECONDS = 30.0

    def __init__(self, stream: TextIO, live: bool | None = None) -> None:
        self.stream = stream
        term = os.environ.get("TERM", "")
        self.live = live if live is not None else (stream.isatty() and term != "dumb")
        self._last_beat = 0.0

    def _write(self, text: str) -> None:
        self.stream.write(text)
        self.stream.flush()

    def started(self, name: str, how: str) -> None:
        self._last_beat = 0.0
        if self.live:
            self._write(f"  {name:<14} {how} ...")
        else:
            self._write(f"scan: {name}: started ({how})\n")

    def tick(self, name: str, elapsed: float) -> None:
        if self.live:
            self._write(f"\r\x1b[2K  {name:<14} running {elapsed:6.1f}s")
        elif elapsed - self._last_beat >= self.HEARTBEAT_SECONDS:
            self._last_beat = elapsed
            self._write(f"scan: {name}: still running after {elapsed:.0f} s\n")

    def done(self, name: str, elapsed: float, note: str) -> None:
        self._end(name, f"done in {elapsed:.1f} s ({note})")

    def failed(self, name: str, elapsed: float) -> None:
        self._end(name, f"FAILED after {elapsed:.1f} s")

    def skipped(self, name: str, reason: str) -> None:
        if self.live:
            self._write(f"  {name:<14} skipped: {reason}\n")
        else:
            self._write(f"scan: {name}: skipped: {reason}\n")

    def _end(self, name: str, text: str) -> None:
        if self.live:
            self._write(f"\r\x1b[2K  {name:<14} {text}\n")
        else:
            self._write(f"scan: {name}: {text}\n")


def stderr_tail(data: bytes, lines: int = STDERR_TAIL_LINES) -> str:
    """The last lines of a scanner's stderr, indented, for an error message."""
    text = data.decode("utf-8", "replace").rstrip()
    if not text:
        return "  (stderr was empty)"
    kept = text.splitlines()[-lines:]
    return "  stderr (last lines):\n" + "\n".join(f"    {line[:500]}" for line in kept)


def find_files(workspace: Path, patterns: Sequence[str]) -> tuple[str, ...]:
    """Workspace-relative POSIX paths matching ``patterns``, sorted; hidden folders are left out."""
    found: set[str] = set()
    for pattern in patterns:
        for path in workspace.glob(pattern):
            rel = path.relative_to(workspace)
            if path.is_file() and not any(part.startswith(".") for part in rel.parts[:-1]):
                found.add(rel.as_posix())
    return tuple(sorted(found))


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """Turn SIGTERM (a cancelled CI job) into ``KeyboardInterrupt`` so cleanup code runs."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _adapt(scanner: Scanner, raw: bytes, code: int, stderr: bytes) -> ScanOutcome:
    if not raw.strip():
        raise ScanError(f"{scanner.name}: exited {code} but wrote no report\n{stderr_tail(stderr)}")
    source = f"{scanner.name} (gatekeeper scan)"
    try:
        doc = decode_json(raw, source)
    except JsonDecodeError as e:
        raise ScanError(f"{scanner.name}: the report is not valid JSON ({e.reason})\n{stderr_tail(stderr)}") from None
    try:
        report = parse_document(doc, source, scanner.format)
    except AdapterError as e:
        raise ScanError(f"{scanner.name}: the report could not be read: {e}") from None
    return ScanOutcome(scanner=scanner, raw=raw, report=report, exit_code=code)


def _check_exit(scanner: Scanner, code: int, stderr: bytes, extra: str = "") -> None:
    if code in scanner.ok_exit_codes:
        return
    ok = ", ".join(str(c) for c in sorted(scanner.ok_exit_codes))
    raise ScanError(
        f"{scanner.name}: exited {code}{extra}, which is not a completed scan (expected {ok}): "
        f"the scanner failed\n{stderr_tail(stderr)}"
    )


class ContainerRunner:
    """Runs scanners in containers through one Docker engine."""

    def __init__(self, settings: ScanSettings, client: Any = None) -> None:
        self.settings = settings
        self._client = client

    @property
    def client(self) -> Any:
        if self._client is None:
            import docker

            try:
                if self.settings.docker_host:
                    self._client = docker.DockerClient(base_url=self.settings.docker_host)
                else:
                    self._client = docker.from_env()
                self._client.ping()
            except docker.errors.DockerException as e:
                where = self.settings.docker_host or os.environ.get("DOCKER_HOST") or "the local socket"
                raise ScanError(f"cannot reach the Docker engine at {where}: {e}") from None
        return self._client

    def user(self) -> str:
        if self.settings.user:
            return self.settings.user
        uid = os.getuid()
        return DEFAULT_USER if uid == 0 else f"{uid}:{os.getgid()}"

    def ensure_image(self, scanner: Scanner) -> None:
        import docker

        ref = scanner.image
        if not ref:
            raise ScanError(f"{scanner.name}: no image is configured (set 'image', or 'runner: local')")
        try:
            self.client.images.get(ref)
            return
        except docker.errors.ImageNotFound:
            pass
        if self.settings.pull == "never":
            raise ScanError(f"{scanner.name}: image {ref} is not in the Docker engine (and --pull never)")
        try:
            self.client.images.pull(ref)
        except docker.errors.APIError as e:
            raise ScanError(
                f"{scanner.name}: image {ref} is not in the Docker engine and could not be pulled: "
                f"{e.explanation or e}"
            ) from None

    def save_image(self, ref: str, dest: Path) -> None:
        """Write ``docker save REF`` to ``dest`` (so the scanner needs no engine access)."""
        import docker

        try:
            image = self.client.images.get(ref)
        except docker.errors.ImageNotFound:
            raise ScanError(f"image to scan {ref} is not in the Docker engine: pull or build it first") from None
        with dest.open("wb") as fh:
            for chunk in image.save(named=True):
                fh.write(chunk)

    def run(self, scanner: Scanner, workspace: Path, image: str | None, files: tuple[str, ...],
            progress: Progress, timeout: float) -> ScanOutcome:
        import docker
        from docker.types import LogConfig, Mount

        self.ensure_image(scanner)
        user = self.user()
        with tempfile.TemporaryDirectory(prefix=f"gatekeeper-{scanner.name}-") as tmp:
            out, scratch = Path(tmp, "out"), Path(tmp, "tmp")
            out.mkdir()
            scratch.mkdir()
            if os.getuid() == 0 and user.split(":")[0].isdigit():
                uid, _, gid = user.partition(":")
                for folder in (out, scratch):
                    os.chown(folder, int(uid), int(gid or uid))
            mounts = [
                Mount(WORKSPACE, str(workspace), type="bind", read_only=True),
                Mount(OUT, str(out), type="bind"),
                Mount("/tmp", str(scratch), type="bind"),
            ]
            if image is not None and scanner.target == "image":
                inbox = Path(tmp, "in")
                inbox.mkdir(mode=0o755)
                self.save_image(image, inbox / "image.tar")
                mounts.append(Mount(str(Path(IMAGE_ARCHIVE).parent), str(inbox), type="bind", read_only=True))
            report_path = f"{OUT}/report.json"
            argv = scanner.render(".", report_path, image, IMAGE_ARCHIVE, files)
            memory = scanner.memory
            try:
                container = self.client.containers.create(
                    scanner.image,
                    command=argv,
                    entrypoint=list(scanner.entrypoint) or None,
                    user=user,
                    working_dir=WORKSPACE,
                    environment={"HOME": "/tmp", "TMPDIR": "/tmp", **scanner.environment},
                    mounts=mounts,
                    network_mode=scanner.network,
                    read_only=True,
                    cap_drop=["ALL"],
                    security_opt=["no-new-privileges"],
                    mem_limit=memory,
                    memswap_limit=memory,
                    nano_cpus=int(scanner.cpus * 1e9),
                    pids_limit=1024,
                    log_config=LogConfig(type="json-file"),
                    labels={"io.gatekeeper.scanner": scanner.name},
                )
            except docker.errors.APIError as e:
                raise ScanError(f"{scanner.name}: the Docker engine refused the container: {e.explanation or e}") from None
            try:
                try:
                    container.start()
                except docker.errors.APIError as e:
                    raise ScanError(f"{scanner.name}: the container did not start: {e.explanation or e}") from None
                code, oom = self._wait(container, scanner, progress, timeout)
                stderr = container.logs(stdout=False, stderr=True)
                _check_exit(scanner, code, stderr, " (killed: out of memory, limit " + memory + ")" if oom else "")
                if scanner.report == "stdout":
                    raw = container.logs(stdout=True, stderr=False)
                else:
                    path = out / "report.json"
                    raw = path.read_bytes() if path.is_file() else b""
            finally:
                with contextlib.suppress(docker.errors.NotFound):
                    container.remove(force=True)
        return _adapt(scanner, raw, code, stderr)

    def _wait(self, container: Any, scanner: Scanner, progress: Progress, timeout: float) -> tuple[int, bool]:
        start = time.monotonic()
        while True:
            container.reload()
            state = container.attrs["State"]
            if state["Status"] in ("exited", "dead"):
                return int(state["ExitCode"]), bool(state.get("OOMKilled"))
            elapsed = time.monotonic() - start
            if elapsed >= timeout:
                with contextlib.suppress(Exception):
                    container.kill()
                stderr = container.logs(stdout=False, stderr=True)
                raise ScanError(f"{scanner.name}: timed out after {timeout:g} s and was stopped\n{stderr_tail(stderr)}")
            progress.tick(scanner.name, elapsed)
            time.sleep(POLL_SECONDS)


class LocalRunner:
    """Runs scanners as local programs found on PATH (not sandboxed: use for trusted tools)."""

    def __init__(self, images: ContainerRunner) -> None:
        self.images = images

    def run(self, scanner: Scanner, workspace: Path, image: str | None, files: tuple[str, ...],
            progress: Progress, timeout: float) -> ScanOutcome:
        program = shutil.which(scanner.program)
        if program is None:
            raise ScanError(f"{scanner.name}: program '{scanner.program}' not found on PATH (runner: local)")
        with tempfile.TemporaryDirectory(prefix=f"gatekeeper-{scanner.name}-") as tmp:
            report_path = Path(tmp, "report.json")
            archive = Path(tmp, "image.tar")
            if image is not None and scanner.target == "image" and any("{image_archive}" in a for a in scanner.args):
                self.images.save_image(image, archive)
            argv = [program, *scanner.render(".", str(report_path), image, str(archive), files)]
            env = {**os.environ, **scanner.environment}
            with open(Path(tmp, "stdout"), "w+b") as stdout, open(Path(tmp, "stderr"), "w+b") as stderr:
                proc = subprocess.Popen(argv, cwd=workspace, env=env, stdin=subprocess.DEVNULL,
                                        stdout=stdout, stderr=stderr, start_new_session=True)
                try:
                    code = self._wait(proc, scanner, progress, timeout, stderr)
                finally:
                    if proc.poll() is None:
                        os.killpg(proc.pid, signal.SIGKILL)
                        proc.wait()
                stderr.seek(0)
                err = stderr.read()
                _check_exit(scanner, code, err)
                stdout.seek(0)
                raw = stdout.read() if scanner.report == "stdout" else (
                    report_path.read_bytes() if report_path.is_file() else b"")
        return _adapt(scanner, raw, code, err)

    def _wait(self, proc: subprocess.Popen[bytes], scanner: Scanner, progress: Progress,
              timeout: float, stderr: Any) -> int:
        start = time.monotonic()
        while (code := proc.poll()) is None:
            elapsed = time.monotonic() - start
            if elapsed >= timeout:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
                stderr.seek(0)
                raise ScanError(f"{scanner.name}: timed out after {timeout:g} s and was stopped\n"
                                f"{stderr_tail(stderr.read())}")
            progress.tick(scanner.name, elapsed)
            time.sleep(POLL_SECONDS)
        return code


def collect(scanners: Sequence[Scanner], workspace: str, image: str | None, settings: ScanSettings,
            progress: Progress, client: Any = None) -> tuple[list[ScanOutcome], list[str]]:
    """Run each scanner in turn; return the outcomes and the failures (each a ``ScanError`` text).

    A failing scanner does not stop the others, so one run reports every failure. Ctrl-C and
    SIGTERM stop the run (after removing the running container) by ``KeyboardInterrupt``.
    """
    root = Path(workspace).resolve()
    containers = ContainerRunner(settings, client)
    local = LocalRunner(containers)
    outcomes: list[ScanOutcome] = []
    errors: list[str] = []
    with sigterm_as_interrupt():
        for scanner in scanners:
            files: tuple[str, ...] = ()
            if scanner.files and "{files}" in scanner.args:
                files = find_files(root, scanner.files)
                if not files:
                    progress.skipped(scanner.name, f"no file matches {', '.join(scanner.files)}")
                    continue
            runner = local if scanner.runner == "local" else containers
            how = f"local {scanner.program}" if scanner.runner == "local" else f"image {scanner.image}"
            timeout = settings.timeout or scanner.timeout
            progress.started(scanner.name, how)
            start = time.monotonic()
            try:
                outcome = runner.run(scanner, root, image, files, progress, timeout)
            except ScanError as e:
                progress.failed(scanner.name, time.monotonic() - start)
                text = str(e)
                errors.append(text if text.startswith(f"{scanner.name}:") else f"{scanner.name}: {text}")
                continue
            count = len(outcome.report.findings)
            progress.done(scanner.name, time.monotonic() - start,
                          f"exit {outcome.exit_code}, {count} finding{'s' if count != 1 else ''}")
            outcomes.append(outcome)
    return outcomes, errors
