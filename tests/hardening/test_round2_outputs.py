"""Issue 21, items 14-17, through the real CLI: outputs that are not plain files, outputs of a
run written all together or not at all, inputs that would hang or fill memory, and options
that used to end in an internal error instead of a message naming them.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from gatekeeper.reporters import FILE_OUTPUTS
from tests.conftest import REPORTS, ROOT
from tests.test_cli import run

EXIT_VIOLATED = 1
EXIT_ERROR = 2
REPORT = REPORTS / "trivy-fs.json"  # 37 findings violate the default policy: exit 1
OLD = "the previous run's output\n"


def start(*args: str | Path, env: dict[str, str] | None = None, **kwargs: object) -> subprocess.Popen[str]:
    """The CLI as ``run`` starts it, left running (for signals, pipes and limits)."""
    env = {**os.environ, "NO_COLOR": "1", **(env or {})}
    env.pop("GITHUB_ACTIONS", None)
    return subprocess.Popen(  # type: ignore[call-overload, no-any-return]
        [sys.executable, "-m", "gatekeeper", *map(str, args)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT, env=env, **kwargs,
    )


def temporary_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def error_line(stderr: str, *words: str) -> str:
    """The one line of ``stderr`` that says what went wrong; no traceback, no internal error."""
    assert "internal error" not in stderr and "Traceback" not in stderr, stderr[-2000:]
    lines = [line for line in stderr.splitlines() if line.startswith(("Error: ", "gatekeeper: error: "))]
    assert len(lines) == 1, stderr[-2000:]
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


# -- 14. an output that is not a regular file is written through, never replaced -------------


def test_output_linked_to_standard_output_is_written_through(tmp_path: Path) -> None:
    link = tmp_path / "out"
    link.symlink_to("/proc/self/fd/1")
    r = run("check", REPORT, "--json", link)
    assert r.returncode == EXIT_VIOLATED, r.stderr
    assert link.is_symlink() and os.readlink(link) == "/proc/self/fd/1"
    assert '"status": "failed"' in r.stdout
    assert temporary_files(tmp_path) == []


def test_dev_stdout_is_written_through() -> None:
    r = run("check", REPORT, "--json", "/dev/stdout")
    assert r.returncode == EXIT_VIOLATED, r.stderr
    console, _, document = r.stdout.partition("{\n")
    assert "FAILED:" in console
    assert json.loads("{\n" + document)["verdict"]["status"] == "failed"


def test_link_to_a_file_stays_a_link(tmp_path: Path) -> None:
    (tmp_path / "real.sarif").write_text(OLD)
    link = tmp_path / "out.sarif"
    link.symlink_to("real.sarif")
    r = run("check", REPORT, "--sarif", link)
    assert r.returncode == EXIT_VIOLATED, r.stderr
    assert link.is_symlink()
    assert json.loads((tmp_path / "real.sarif").read_text())["version"] == "2.1.0"
    assert temporary_files(tmp_path) == []


def test_fifo_output_is_written_through(tmp_path: Path) -> None:
    fifo = tmp_path / "out.json"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    r = run("check", REPORT, "--json", fifo)
    reader.join(30)
    assert r.returncode == EXIT_VIOLATED, r.stderr
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert json.loads(got[0])["verdict"]["status"] == "failed"


@pytest.mark.parametrize("name", [spec.name for spec in FILE_OUTPUTS])
def test_dash_is_standard_output_for_every_output(name: str) -> None:
    r = run("check", REPORT, f"--{name}", "-")
    assert r.returncode == EXIT_VIOLATED, r.stderr
    assert "FAILED:" in r.stderr and "FAILED:" not in r.stdout.splitlines()[0]
    assert len(r.stdout) > 200


# -- 15. the outputs of a run are written together after the verdict, or none is -------------


def test_a_failing_output_leaves_the_others_as_they_were(tmp_path: Path) -> None:
    old = tmp_path / "out.json"
    old.write_text(OLD)
    r = run("check", REPORT, "--json", old, "--sarif", "/dev/full", "--markdown", tmp_path / "new.md")
    assert r.returncode == EXIT_ERROR
    error_line(r.stderr, "/dev/full: cannot write: No space left on device", "no output of this run was written")
    assert old.read_text() == OLD
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json"]


def test_a_full_disk_on_the_second_file_replaces_not_the_first(tmp_path: Path) -> None:
    md, big = tmp_path / "out.md", tmp_path / "out.sarif"
    md.write_text(OLD)
    big.write_text(OLD)

    def small_disk() -> None:  # the markdown report fits, the SARIF log does not
        resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))

    p = start("check", REPORT, "--markdown", md, "--sarif", big, preexec_fn=small_disk)
    out, err = p.communicate(timeout=120)
    assert p.returncode == EXIT_ERROR, (out, err)
    error_line(err, f"{big}: cannot write: File too large", "no output of this run was written")
    assert md.read_text() == OLD and big.read_text() == OLD
    assert temporary_files(tmp_path) == []


@pytest.mark.parametrize("number", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_while_writing_writes_nothing_and_leaves_no_temporary_file(tmp_path: Path, number: int) -> None:
    old, fifo = tmp_path / "out.sarif", tmp_path / "nobody-reads"
    old.write_text(OLD)
    os.mkfifo(fifo)  # no reader: writing the JSON report waits there, the SARIF log complete beside it
    p = start("check", REPORT, "--sarif", old, "--json", fifo)
    deadline = time.monotonic() + 60
    while not temporary_files(tmp_path) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert temporary_files(tmp_path), "the SARIF log was never written"
    time.sleep(0.2)  # into the open() of the FIFO
    p.send_signal(number)
    out, err = p.communicate(timeout=60)
    assert p.returncode == EXIT_ERROR, (out, err)
    error_line(err, "interrupted while writing the outputs: none was written; the gate was not evaluated")
    assert old.read_text() == OLD
    assert temporary_files(tmp_path) == []


def test_a_directory_as_output_writes_nothing(tmp_path: Path) -> None:
    (tmp_path / "folder").mkdir()
    r = run("check", REPORT, "--json", tmp_path / "out.json", "--sarif", tmp_path / "folder")
    assert r.returncode == EXIT_ERROR
    error_line(r.stderr, f"{tmp_path / 'folder'}: is a directory")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["folder"]


# -- 16. inputs that would hang or fill memory are refused before they are read --------------


def test_named_pipe_without_writer_is_refused_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "trivy.json"
    os.mkfifo(fifo)
    r = run("check", fifo)  # waited forever before
    assert r.returncode == EXIT_ERROR
    error_line(r.stderr, f"{fifo}: a pipe with no data and no writer")


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom", "/dev/null"])
def test_devices_are_refused(device: str) -> None:
    r = run("check", device)
    assert r.returncode == EXIT_ERROR
    error_line(r.stderr, f"{device}: a device, not a report file")


def test_device_on_standard_input_is_refused() -> None:
    with open("/dev/zero", "rb") as zero:
        p = start("check", "-", stdin=zero)
        out, err = p.communicate(timeout=60)
    assert p.returncode == EXIT_ERROR
    error_line(err, "<stdin>: a device, not a report file")


def test_sparse_file_is_refused_without_reading_it(tmp_path: Path) -> None:
    sparse = tmp_path / "trivy.json"
    with open(sparse, "wb") as f:
        f.truncate(1000 * 1000 * 1000)  # 9.7 s and 2 GB of memory before
    began = time.monotonic()
    r = run("check", sparse)
    assert r.returncode == EXIT_ERROR
    error_line(r.stderr, f"{sparse}: starts with 65536 NUL bytes")
    assert time.monotonic() - began < 5


def test_file_over_the_limit_is_refused_by_its_size(tmp_path: Path) -> None:
    big = tmp_path / "trivy.json"
    big.write_bytes(b"[" + b" " * 2000 + b"]")
    r = run("check", big, env={"GATEKEEPER_MAX_REPORT_BYTES": "1000"})
    assert r.returncode == EXIT_ERROR
    error_line(r.stderr, f"{big}: the report is larger than 1000 bytes")


@pytest.mark.parametrize("delay", [0.0, 0.5], ids=["written", "written-later"])
def test_process_substitution_still_works(delay: float) -> None:
    """``check <(trivy ...)`` hands over /dev/fd/N, a pipe whose writer is the scanner."""
    read_end, write_end = os.pipe()

    def scanner() -> None:
        time.sleep(delay)
        with os.fdopen(write_end, "wb") as w:
            w.write(REPORT.read_bytes())

    writer = threading.Thread(target=scanner)
    writer.start()
    try:
        p = start("check", f"/dev/fd/{read_end}", pass_fds=(read_end,))
        out, err = p.communicate(timeout=60)
    finally:
        os.close(read_end)
        writer.join(30)
    assert p.returncode == EXIT_VIOLATED, err
    assert "FAILED: 37 findings violate the policy." in out


def test_process_substitution_over_the_limit_is_refused() -> None:
    read_end, write_end = os.pipe()
    writer = threading.Thread(target=lambda: _write_all(write_end, b"[" + b" " * 5000 + b"]"))
    writer.start()
    try:
        p = start("check", f"/dev/fd/{read_end}", pass_fds=(read_end,), env={"GATEKEEPER_MAX_REPORT_BYTES": "1000"})
        out, err = p.communicate(timeout=60)
    finally:
        os.close(read_end)
        writer.join(30)
    assert p.returncode == EXIT_ERROR
    error_line(err, "the report is larger than 1000 bytes")


def _write_all(fd: int, data: bytes) -> None:
    try:
        with os.fdopen(fd, "wb") as w:
            w.write(data)
    except BrokenPipeError:
        pass  # the reader stopped at the limit


# -- 17. options that ended in an internal error get a message naming the option --------------

SONAR = ("--sonar-url", "http://127.0.0.1:9", "--sonar-project", "p")


@pytest.mark.parametrize("value", ["inf", "nan", "-inf", "1e300"])
@pytest.mark.parametrize("option", ["--sonar-timeout", "--sonar-wait-timeout"])
def test_timeouts_that_never_end_are_refused(option: str, value: str) -> None:
    r = run("check", REPORT, *SONAR, option, value)
    assert r.returncode == EXIT_ERROR
    error_line(r.stderr, option)


def test_scan_timeout_that_never_ends_is_refused(tmp_path: Path) -> None:
    r = run("scan", tmp_path, "--timeout", "nan")
    assert r.returncode == EXIT_ERROR
    error_line(r.stderr, "--timeout")


@pytest.mark.parametrize("url", ["http://[::1", "http://sonar:99999", "http://sonar:port", "ftp://sonar", "http://u:secret@[::1"])
def test_sonar_url_that_cannot_be_used(url: str) -> None:
    r = run("check", REPORT, "--sonar-url", url, "--sonar-project", "p")
    assert r.returncode == EXIT_ERROR
    error_line(r.stderr, "--sonar-url")
    assert "secret" not in r.stderr


@pytest.mark.parametrize("token", ["\udcff\udcfe", "squ_é", "squ_\n1"], ids=["not-utf8", "not-ascii", "control"])
def test_sonar_token_that_cannot_be_sent(token: str) -> None:
    r = run("check", REPORT, *SONAR, env={"SONAR_TOKEN": token})  # environment bytes: surrogateescape
    assert r.returncode == EXIT_ERROR
    error_line(r.stderr, "$SONAR_TOKEN")


def test_sonar_option_that_is_not_text() -> None:
    r = run("check", REPORT, "--sonar-url", "http://127.0.0.1:9", "--sonar-project", "p\udcff")
    assert r.returncode == EXIT_ERROR
    error_line(r.stderr, "--sonar-project")


def test_approval_key_that_is_not_text(tmp_path: Path) -> None:
    r = run("approve", REPORT, "--approver", "a", "--reason", "r", "-o", tmp_path / "a.json",
            env={"GATEKEEPER_APPROVAL_KEY": "k" * 40 + "\udcff"})
    assert r.returncode == EXIT_ERROR
    error_line(r.stderr, "GATEKEEPER_APPROVAL_KEY")
