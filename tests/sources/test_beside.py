"""The text checks computed in a forked child (``sources.beside``) decide as in-process ones.

Reports here are small, so each test lowers ``FORK_FROM`` to make the child run (on one CPU
too); whether it ran is checked (``forks``), so a test cannot pass on the in-process path by
accident.
"""

from __future__ import annotations

import json
import os
import sys
import threading

import pytest

from gatekeeper.sources import beside, load_report
from gatekeeper.sources.beside import Beside
from gatekeeper.sources.decode import SourceError

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the child runs only on Linux")


@pytest.fixture
def forks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Lower the threshold to every text, and count the children started."""
    monkeypatch.setattr(beside, "FORK_FROM", 0)
    started: list[int] = []
    real_fork = os.fork

    def counting_fork() -> int:
        pid = real_fork()
        if pid:
            started.append(pid)
        return pid

    monkeypatch.setattr(beside.os, "fork", counting_fork)
    monkeypatch.setattr(beside, "_can_fork", lambda: True)  # even if an earlier test left a thread running
    return started


def _trivy(tmp_path, body: str, name: str = "r.json"):  # type: ignore[no-untyped-def]
    path = tmp_path / name
    path.write_text(body)
    return str(path)


_REPORT = {
    "SchemaVersion": 2,
    "ArtifactName": "app",
    "ArtifactType": "filesystem",
    "Results": [
        {
            "Target": "requirements.txt",
            "Class": "lang-pkgs",
            "Type": "pip",
            "Vulnerabilities": [
                {"VulnerabilityID": f"CVE-2024-{i:04}", "PkgName": "x", "InstalledVersion": "1", "Severity": "HIGH"}
                for i in range(200)
            ],
        }
    ],
}


def test_a_report_checked_by_the_child_is_read_as_in_process(tmp_path, forks: list[int]) -> None:  # type: ignore[no-untyped-def]
    path = _trivy(tmp_path, json.dumps(_REPORT))
    report = load_report(path)
    assert len(forks) == 1
    assert len(report.findings) == 200


def test_the_child_finds_a_report_nested_too_deeply(tmp_path, forks: list[int]) -> None:  # type: ignore[no-untyped-def]
    doc = dict(_REPORT, Extra=json.loads("[" * 300 + "]" * 300))
    path = _trivy(tmp_path, json.dumps(doc))
    with pytest.raises(Exception, match="nest"):
        load_report(path)
    assert len(forks) == 1


def test_the_childs_colons_find_a_key_given_twice(tmp_path, forks: list[int]) -> None:  # type: ignore[no-untyped-def]
    text = json.dumps(_REPORT).replace('"Severity": "HIGH"}', '"Severity": "HIGH", "Severity": "LOW"}', 1)
    text += " " * 70_000  # orjson (and the colon count) reads reports from 64 KiB
    path = _trivy(tmp_path, text)
    with pytest.raises(SourceError, match="Severity"):
        load_report(path)
    assert len(forks) == 1


def test_invalid_json_is_refused_as_before_and_the_child_is_reaped(tmp_path, forks: list[int]) -> None:  # type: ignore[no-untyped-def]
    path = _trivy(tmp_path, json.dumps(_REPORT)[:-40])
    with pytest.raises(SourceError, match="truncated"):
        load_report(path)
    assert len(forks) == 1
    with pytest.raises(ChildProcessError):
        os.waitpid(forks[0], os.WNOHANG)  # already reaped: no process left behind


def test_a_child_that_fails_is_replaced_by_the_computation_here(forks: list[int]) -> None:
    calls: list[int] = []

    def parent_only(x: int) -> int:
        calls.append(os.getpid())
        if len(calls) == 1 and os.getpid() != parent:
            os._exit(3)  # the child dies without an answer
        return x * 2

    parent = os.getpid()
    with Beside(parent_only, 21, size=1) as pending:
        assert pending.result() == 42
    assert forks and calls == [parent]  # the child's call is not in this process's list


def test_a_child_answering_garbage_is_not_believed(forks: list[int]) -> None:
    parent = os.getpid()

    def value() -> object:
        return object() if os.getpid() != parent else 7  # marshal cannot write an object: the child fails

    with Beside(value, size=1) as pending:
        assert pending.result() == 7
    assert forks


def test_no_child_below_the_threshold_or_with_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_fork() -> int:
        raise AssertionError("forked")

    monkeypatch.setattr(beside.os, "fork", no_fork)
    assert Beside(lambda: 5, size=beside.FORK_FROM - 1).result() == 5
    stop = threading.Event()
    worker = threading.Thread(target=stop.wait)
    worker.start()
    try:
        assert Beside(lambda: 6, size=beside.FORK_FROM).result() == 6
    finally:
        stop.set()
        worker.join()
