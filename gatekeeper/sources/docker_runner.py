"""Run scanners and collect their reports: in containers through the Docker Engine API, or as
local programs.

A container gets the workspace read-only at ``/workspace`` (also its working directory), a
fresh ``/gatekeeper/out`` for the report and a fresh ``/tmp``; everything else is read-only.
It runs as a non-root user, without capabilities, with no network unless the scanner's
``network`` says otherwise, under memory, CPU and process limits, and it is always removed:
on success, failure, timeout, Ctrl-C and SIGTERM: each run labels its containers with a value
of its own and removes every container carrying it on every exit path (the SDK's ``create``
returns no handle when interrupted after the engine made the container), and removes at start
the stopped containers earlier runs left behind.

Before any scanner runs, the workspace is walked: a file the scanner's user cannot read would
be skipped without failing the scan, so an unreadable file fails the run (naming the files),
unless the scanners run as their owner. A scanner's own warnings about skipped files
(``Scanner.skip_warnings``) become coverage gaps on its report.

Every way a scanner can fail (a missing image or program, an exit code that is not one of its
"scan ran" codes, a crash, a timeout, no report or an unreadable one) is a ``ScanError`` whose
message starts with the scanner's name and ends with the tail of its stderr: the gate fails
closed. So is losing the Docker engine (a connection error or no answer within
``ScanSettings.engine_timeout``): the message names the scanner and the engine, and the
scanners after it are not run. ``docker`` is imported only when a container is needed.
"""

from __future__ import annotations

import contextlib
import datetime
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TextIO

from gatekeeper.adapters import AdapterError, parse_document
from gatekeeper.model import Gap, Report
from gatekeeper.scanners import Scanner
from gatekeeper.sources.decode import JsonDecodeError, decode_json

WORKSPACE = "/workspace"
OUT = "/gatekeeper/out"
IMAGE_ARCHIVE = "/gatekeeper/in/image.tar"
DEFAULT_USER = "65532:65532"
"""The container user when gatekeeper itself runs as root (the distroless "nonroot" ids)."""
STDERR_TAIL_LINES = 15
POLL_SECONDS = 0.25
ENGINE_TIMEOUT = 30.0
"""Seconds the Engine API may take to answer one request (the SDK's own default is 60).
Long operations (pulls, ``docker save``) stream, so this bounds the silence between chunks."""
SCANNER_LABEL = "io.gatekeeper.scanner"
RUN_LABEL = "io.gatekeeper.run"
LEFTOVER_GRACE_SECONDS = 60.0
"""A stopped or never-started gatekeeper container older than this belongs to no live run
(a live run starts its container at once and reads it as soon as it exits)."""
UNREADABLE_LISTED = 10
SKIPPED_LISTED = 50


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
    engine_timeout: float | None = None
    """Seconds the engine may take to answer one API request; default ``ENGINE_TIMEOUT``."""


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

    def note(self, text: str) -> None:
        self._write(f"  {text}\n" if self.live else f"scan: {text}\n")

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


@dataclass(frozen=True)
class Unreadable:
    """Workspace paths one user cannot read: the first few, and how many there are."""

    listed: tuple[str, ...]
    """The first ``UNREADABLE_LISTED``, each ``path (owner UID:GID, mode 600)``; a folder ends in ``/``."""
    count: int
    """How many in all."""
    owner: str | None
    """``UID:GID`` owning most of them (running as it would read them)."""


def _allowed(st: os.stat_result, uid: int, gids: frozenset[int], want: int) -> bool:
    # NOTE: the permission bits only: the container's user has no capabilities (cap_drop
    # ALL), so even uid 0 cannot bypass them. ACLs are not read here; a file they deny is
    # still caught when the scanner says it skipped it (skip_warnings -> coverage gap).
    if st.st_uid == uid:
        bits = st.st_mode >> 6
    elif st.st_gid in gids:
        bits = st.st_mode >> 3
    else:
        bits = st.st_mode
    return bits & want == want


def unreadable(workspace: Path, uid: int, gids: frozenset[int]) -> Unreadable | None:
    """The files (and folders: list and enter) under ``workspace`` that ``uid``/``gids``
    cannot read, or ``None``. Symbolic links and special files are not followed."""
    listed: list[str] = []
    owners: dict[str, int] = {}
    count = 0
    pending = [workspace]
    while pending:
        folder = pending.pop()
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as e:
            raise ScanError(f"workspace: cannot walk {folder}: {e.strerror or e}") from None
        for entry in entries:
            try:
                st = entry.stat(follow_symlinks=False)
            except OSError:
                continue  # removed while walking
            is_dir = entry.is_dir(follow_symlinks=False)
            if not (is_dir or entry.is_file(follow_symlinks=False)):
                continue
            if _allowed(st, uid, gids, 5 if is_dir else 4):
                if is_dir:
                    pending.append(Path(entry.path))
                continue
            count += 1
            owner = f"{st.st_uid}:{st.st_gid}"
            owners[owner] = owners.get(owner, 0) + 1
            if len(listed) < UNREADABLE_LISTED:
                rel = Path(entry.path).relative_to(workspace).as_posix() + ("/" if is_dir else "")
                listed.append(f"{rel} (owner {owner}, mode {st.st_mode & 0o7777:o})")
    if not count:
        return None
    return Unreadable(tuple(listed), count, max(owners, key=lambda o: owners[o]))


def _identity(user: str) -> tuple[int, frozenset[int]] | None:
    uid, _, gid = user.partition(":")
    if not uid.isdigit() or (gid and not gid.isdigit()):
        return None
    # NOTE: without a group Docker takes the image's (often 0): count on no group's bits.
    return int(uid), frozenset({int(gid)} if gid else ())


def readability_errors(scanners: Sequence[Scanner], workspace: Path, container_user: str) -> list[str]:
    """One error per scanner of the workspace whose user cannot read some of it (none when
    all is readable): such a scanner would skip those files and still report success."""
    groups: dict[tuple[str, tuple[int, frozenset[int]] | None], list[str]] = {}
    for scanner in scanners:
        if scanner.target != "workspace":
            continue
        if scanner.runner == "local":
            if os.geteuid() == 0:
                continue
            who = f"{os.geteuid()}:{os.getegid()}"
            ident: tuple[int, frozenset[int]] | None = (os.geteuid(), frozenset({os.getegid(), *os.getgroups()}))
        else:
            who, ident = container_user, _identity(container_user)
        groups.setdefault((who, ident), []).append(scanner.name)
    errors: list[str] = []
    for (who, ident), names in groups.items():
        if ident is None:
            errors.extend(f"{name}: not run: its user {who!r} is not numeric (UID:GID), so the workspace's "
                          f"readability cannot be checked" for name in names)
            continue
        found = unreadable(workspace, *ident)
        if found is None:
            continue
        more = f", and {found.count - len(found.listed)} more" if found.count > len(found.listed) else ""
        paths = "; ".join(found.listed) + more
        noun = "path" if found.count == 1 else "paths"
        errors.append(f"{names[0]}: not run: the scanners' user {who} cannot read {found.count} {noun} of the "
                      f"workspace, which a scanner skips without failing: {paths}. Run as their owner "
                      f"(--user {found.owner}) or make them readable")
        errors.extend(f"{name}: not run: the same {noun} are unreadable to {who}" for name in names[1:])
    return errors


def skipped_files(scanner: Scanner, stderr: bytes) -> tuple[Gap, ...]:
    """The files the scanner's stderr says it skipped (``skip_warnings``), as coverage gaps."""
    if not scanner.skip_warnings or not stderr:
        return ()
    patterns = [re.compile(p) for p in scanner.skip_warnings]
    gaps: list[Gap] = []
    count = 0
    for line in stderr.decode("utf-8", "replace").splitlines():
        match = next((m for m in (p.search(line) for p in patterns) if m), None)
        if match is None:
            continue
        count += 1
        if len(gaps) < SKIPPED_LISTED:
            path = match.group("path").strip().strip('"')[:300]
            reason = (match.groupdict().get("reason") or "").strip()[:200]
            gaps.append(Gap(subject=path, reason=f"{scanner.name} skipped it" + (f": {reason}" if reason else "")))
    if count > len(gaps):
        gaps.append(Gap(subject=f"{count - len(gaps)} more files", reason=f"{scanner.name} skipped them"))
    return tuple(gaps)


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
    skipped = skipped_files(scanner, stderr)
    if skipped:
        report = replace(report, gaps=(*report.gaps, *skipped))
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

    def __init__(self, settings: ScanSettings, client: Any = None, progress: Progress | None = None) -> None:
        self.settings = settings
        self._client = client
        self.progress = progress
        self.run_id = uuid.uuid4().hex
        """This run's ``RUN_LABEL`` value: every container it creates carries it."""
        self.lost: str | None = None
        """Why the engine is no longer used (it died or hung), once it is."""
        self._interrupted_create = False
        if client is not None:
            self._remove_leftovers()

    @property
    def where(self) -> str:
        return self.settings.docker_host or os.environ.get("DOCKER_HOST") or "the local socket"

    @property
    def timeout(self) -> float:
        return self.settings.engine_timeout or ENGINE_TIMEOUT

    @property
    def client(self) -> Any:
        if self.lost:
            raise ScanError(self.lost)
        if self._client is None:
            import docker

            try:
                if self.settings.docker_host:
                    client = docker.DockerClient(base_url=self.settings.docker_host, timeout=self.timeout)
                else:
                    client = docker.from_env(timeout=self.timeout)
                client.ping()
            except Exception as e:  # noqa: BLE001 - DockerException, or requests' own errors
                self.lost = f"cannot reach the Docker engine at {self.where}: {self._why(e)}"
                raise ScanError(self.lost) from None
            self._client = client
            self._remove_leftovers()
        return self._client

    def _why(self, error: BaseException) -> str:
        import requests

        if isinstance(error, requests.exceptions.ReadTimeout) or "timed out" in str(error).lower():
            return f"no answer within {self.timeout:g} s (--engine-timeout)"
        return f"{type(error).__name__}: {str(error)[:300]}"

    def engine_lost(self, scanner: Scanner, error: BaseException) -> ScanError:
        """The error for a connection lost (or an answer not given) while running ``scanner``;
        the scanners after it are not run."""
        self.lost = f"the Docker engine at {self.where} was lost during {scanner.name}"
        return ScanError(f"{scanner.name}: lost the Docker engine at {self.where} ({self._why(error)}); "
                         f"the scan's result is unknown")

    @staticmethod
    def lost_errors() -> tuple[type[BaseException], ...]:
        """The exceptions that mean the engine is gone or not answering."""
        import requests
        import urllib3

        return (requests.exceptions.ConnectionError, requests.exceptions.Timeout, urllib3.exceptions.HTTPError)

    def _remove_leftovers(self) -> None:
        """Remove the gatekeeper containers earlier runs left stopped or never started."""
        import docker

        api = self._client.api
        now = time.time()
        removed = 0
        for summary in api.containers(all=True, filters={"label": SCANNER_LABEL, "status": ["created", "exited", "dead"]}):
            try:
                if summary.get("State") == "created":
                    since = float(summary.get("Created") or now)
                else:
                    finished = str(api.inspect_container(summary["Id"])["State"].get("FinishedAt") or "")
                    since = _timestamp(finished) or now
                if now - since >= LEFTOVER_GRACE_SECONDS:
                    api.remove_container(summary["Id"], force=True)
                    removed += 1
            except docker.errors.NotFound:
                continue
        if removed and self.progress is not None:
            self.progress.note(f"removed {removed} stopped gatekeeper container{'s' if removed != 1 else ''} "
                               "left by earlier runs")

    def sweep(self) -> None:
        """Remove every container of this run (on every exit path of the run)."""
        if self._client is None or self.lost:
            return
        import docker

        for attempt in range(2):
            for summary in self._client.api.containers(all=True, filters={"label": f"{RUN_LABEL}={self.run_id}"}):
                with contextlib.suppress(docker.errors.NotFound):
                    self._client.api.remove_container(summary["Id"], force=True)
            if not self._interrupted_create or attempt:
                return
            # NOTE: interrupted while the create request was in flight, the engine may make
            # the container just after the first look.
            time.sleep(1.0)

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
        if self.lost:
            raise ScanError(f"{scanner.name}: not run: {self.lost}")
        import docker

        try:
            return self._run(scanner, workspace, image, files, progress, timeout)
        except self.lost_errors() as e:
            raise self.engine_lost(scanner, e) from None
        except docker.errors.DockerException as e:
            raise ScanError(f"{scanner.name}: the Docker engine at {self.where} failed: {str(e)[:500]}") from None

    def _run(self, scanner: Scanner, workspace: Path, image: str | None, files: tuple[str, ...],
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
            self._interrupted_create = True
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
                    labels={SCANNER_LABEL: scanner.name, RUN_LABEL: self.run_id},
                )
            except docker.errors.APIError as e:
                self._interrupted_create = False
                raise ScanError(f"{scanner.name}: the Docker engine refused the container: {e.explanation or e}") from None
            self._interrupted_create = False
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
            except self.lost_errors() as e:
                raise self.engine_lost(scanner, e) from None
            finally:
                if not self.lost:  # a hung engine would cost another timeout; the next run removes it
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


def _timestamp(text: str) -> float | None:
    """Seconds since the epoch of the engine's RFC 3339 time (nanoseconds dropped), or ``None``."""
    head = text.split(".")[0].rstrip("Z")
    try:
        moment = datetime.datetime.fromisoformat(head).replace(tzinfo=datetime.timezone.utc)
    except ValueError:
        return None
    return None if moment.year < 2000 else moment.timestamp()


def collect(scanners: Sequence[Scanner], workspace: str, image: str | None, settings: ScanSettings,
            progress: Progress, client: Any = None) -> tuple[list[ScanOutcome], list[str]]:
    """Run each scanner in turn; return the outcomes and the failures (each a ``ScanError`` text).

    A failing scanner does not stop the others, so one run reports every failure. Ctrl-C and
    SIGTERM stop the run (after removing the running container) by ``KeyboardInterrupt``.
    """
    root = Path(workspace).resolve()
    containers = ContainerRunner(settings, client, progress)
    local = LocalRunner(containers)
    outcomes: list[ScanOutcome] = []
    errors: list[str] = []
    try:
        errors = readability_errors(scanners, root, containers.user())
    except ScanError as e:
        errors = [str(e)]
    if errors:
        return outcomes, errors
    with sigterm_as_interrupt(), _finally(containers.sweep):
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


@contextlib.contextmanager
def _finally(cleanup: Any) -> Iterator[None]:
    """Run ``cleanup`` on every exit; its own failure never hides the error that ended the run."""
    try:
        yield
    except BaseException:
        with contextlib.suppress(Exception):
            cleanup()
        raise
    with contextlib.suppress(Exception):  # the reports were read: a failed clean-up changes none
        cleanup()
