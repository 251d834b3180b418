"""The SonarQube Web API source against a real HTTP server on 127.0.0.1 (tests/sources/sonar_server.py)
serving the recorded responses of ../shared/corpus/sonarqube: paging, the 10,000-result
split, authentication, retries, timeouts, broken answers, TLS, the analysis wait, the CLI."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections import deque
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from gatekeeper.adapters.sonarqube import SonarQubeAdapter
from gatekeeper.model import Report
from gatekeeper.sources import sonarqube
from gatekeeper.sources.sonarqube import SonarQubeError, SonarQubeSettings, find_task_id, load_sonarqube
from tests.conftest import CORPUS, ROOT, require_shared
from tests.sources.sonar_server import PROJECT, TOKEN, Dataset, SonarServer, synthetic_issues

ISSUES = "/api/issues/search"
HOTSPOTS = "/api/hotspots/search"
GATE = "/api/qualitygates/project_status"
TASK = "/api/ce/task"
CEST = timezone(timedelta(hours=2))


def corpus(name: str) -> dict[str, Any]:
    return json.loads((CORPUS / "sonarqube" / name).read_text(encoding="utf-8"))


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    # A CI proxy must not swallow requests to the local server.
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)


@pytest.fixture
def server() -> Iterator[SonarServer]:
    require_shared()
    issues = corpus("codemodder-sonarcloud-api-issues-search.json")
    hotspots = corpus("codemodder-sonarcloud-api-hotspots-search.json")
    srv = SonarServer()
    srv.add(
        PROJECT,
        Dataset(
            issues=issues["issues"],
            hotspots=hotspots["hotspots"],
            components=issues["components"] + hotspots["components"],
            gate=corpus("sonarqube-ws-qualitygates-project_status-example.json"),
        ),
    )
    srv.start()
    yield srv
    srv.stop()


def settings(srv: SonarServer, **changes: Any) -> SonarQubeSettings:
    base: dict[str, Any] = {"url": srv.url, "project": PROJECT, "token": TOKEN, "timeout": 5.0, "backoff": 0.001}
    return SonarQubeSettings(**{**base, **changes})


def load(srv: SonarServer, sleeps: list[float] | None = None, **changes: Any) -> dict[str, Report]:
    reports = load_sonarqube(settings(srv, **changes), sleep=(sleeps.append if sleeps is not None else lambda _: None))
    return {r.source.split("?")[0].removeprefix("sonarqube:"): r for r in reports}


def fail(srv: SonarServer, **changes: Any) -> SonarQubeError:
    with pytest.raises(SonarQubeError) as info:
        load(srv, **changes)
    assert_no_token(info.value)
    return info.value


def assert_no_token(error: BaseException) -> None:
    """Neither the error nor anything chained to it shows or holds the token."""
    seen: BaseException | None = error
    while seen is not None:
        assert TOKEN not in str(seen) and TOKEN not in repr(seen)
        assert TOKEN not in repr(vars(seen)) if hasattr(seen, "__dict__") else True
        seen = seen.__cause__ or seen.__context__


def keys(report: Report) -> list[str]:
    return sorted(str(f.raw["key"]) for f in report.findings if f.raw)


# ---------------------------------------------------------------- reading


def test_gate_issues_and_hotspots_arrive_as_three_reports(server: SonarServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sonarqube, "PAGE_SIZE", 10)  # 44 issues: five real pages
    reports = load(server)
    assert set(reports) == {"api/qualitygates/project_status", "api/issues/search", "api/hotspots/search"}
    assert reports["api/issues/search"].source == f"sonarqube:api/issues/search?project={PROJECT}"
    # The same findings as the recorded responses read whole (their own totals are hand-edited).
    for api, name in [
        ("api/issues/search", "codemodder-sonarcloud-api-issues-search.json"),
        ("api/hotspots/search", "codemodder-sonarcloud-api-hotspots-search.json"),
        ("api/qualitygates/project_status", "sonarqube-ws-qualitygates-project_status-example.json"),
    ]:
        whole = SonarQubeAdapter().parse(corpus(name), name)
        assert sorted(f.fingerprint for f in reports[api].findings) == sorted(f.fingerprint for f in whole.findings)
    assert len({f.raw["key"] for f in reports["api/issues/search"].findings if f.raw}) == 44
    assert [c.params["p"] for c in server.calls(ISSUES)] == ["1", "2", "3", "4", "5"]
    assert {c.params["ps"] for c in server.calls(ISSUES)} == {"10"}
    # A failed quality gate is findings: one per failing condition.
    assert {f.rule_id for f in reports["api/qualitygates/project_status"].findings} == {"quality-gate"}
    assert len(reports["api/qualitygates/project_status"].findings) == 4


@pytest.mark.parametrize("name", ["sonarqube-ws-issues-search-example-10x.json", "sonarqube-ws-issues-search-example-2025.json"])
def test_server_examples_of_10x_and_2025(name: str) -> None:
    require_shared()
    doc = corpus(name)
    project = doc["issues"][0]["project"]
    srv = SonarServer().start()
    try:
        srv.add(project, Dataset(issues=doc["issues"], components=doc["components"]))
        reports = load(srv, project=project)
    finally:
        srv.stop()
    whole = SonarQubeAdapter().parse(doc, name)
    assert [f.fingerprint for f in reports["api/issues/search"].findings] == [f.fingerprint for f in whole.findings]


def test_token_is_sent_as_basic_auth_user_and_the_server_also_takes_bearer(server: SonarServer) -> None:
    import requests

    load(server)
    assert all(c.auth and c.auth.startswith("Basic ") for c in server.seen)
    answer = requests.get(f"{server.url}{GATE}", params={"projectKey": PROJECT}, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=5)
    assert answer.status_code == 200


def test_branch_pull_request_and_organization_reach_every_call(server: SonarServer) -> None:
    server.add(PROJECT, Dataset(issues=[], gate={"projectStatus": {"status": "OK"}}), branch="feature/x")
    reports = load(server, branch="feature/x", organization="pixee")
    assert reports["api/issues/search"].source.endswith("?project=pixee_codemodder-python&branch=feature/x")
    assert all(c.params.get("branch") == "feature/x" and c.params.get("organization") == "pixee" for c in server.seen)
    assert not reports["api/qualitygates/project_status"].findings
    server.add(PROJECT, Dataset(), pull_request="42")
    load(server, pull_request="42")
    assert server.seen[-1].params.get("pullRequest") == "42"


# ---------------------------------------------------------------- the 10,000-result window


def test_a_large_project_is_split_by_creation_date_and_every_issue_arrives_once(server: SonarServer) -> None:
    big = list(synthetic_issues(12_000, datetime(2023, 1, 1, tzinfo=CEST), timedelta(minutes=7)))
    server.add("big", Dataset(issues=big))
    issues = load(server, project="big")["api/issues/search"]
    assert keys(issues) == sorted(i["key"] for i in big)
    calls = server.calls(ISSUES)
    assert all(int(c.params["p"]) * int(c.params["ps"]) <= 10_000 for c in calls)
    slices = {(c.params["createdAfter"], c.params["createdBefore"]) for c in calls if "createdAfter" in c.params}
    assert len(slices) >= 3
    assert not any("rules" in c.params for c in calls)


def test_more_than_10000_issues_in_one_second_are_split_by_rule(server: SonarServer) -> None:
    # A first analysis without SCM data dates every issue at the analysis.
    same = list(synthetic_issues(10_300, datetime(2024, 5, 6, 15, 27, 53, tzinfo=CEST), timedelta(0), rules=4))
    other = list(synthetic_issues(500, datetime(2024, 1, 1, tzinfo=CEST), timedelta(hours=1), prefix="T"))
    server.add("big", Dataset(issues=same + other))
    issues = load(server, project="big")["api/issues/search"]
    assert keys(issues) == sorted(i["key"] for i in same + other)
    assert {c.params["rules"] for c in server.calls(ISSUES) if "rules" in c.params} == {f"python:S{n}" for n in range(1000, 1004)}


def test_more_than_10000_issues_of_one_rule_in_one_second_fail_closed(server: SonarServer) -> None:
    same = list(synthetic_issues(10_001, datetime(2024, 5, 6, 15, 27, 53, tzinfo=CEST), timedelta(0), rules=1))
    server.add("big", Dataset(issues=same))
    error = fail(server, project="big")
    assert "10001 issues of rule python:S1000 were created at 2024-05-06T15:27:53+0200" in str(error)
    assert "more than the 10,000 the API can page through" in str(error)


def test_the_server_refuses_to_page_past_10000_like_sonarqube(server: SonarServer) -> None:
    import requests

    server.add("big", Dataset(issues=list(synthetic_issues(10_001, datetime(2024, 1, 1, tzinfo=CEST), timedelta(seconds=1)))))
    params = {"componentKeys": "big", "p": 21, "ps": 500}
    answer = requests.get(f"{server.url}{ISSUES}", params=params, auth=(TOKEN, ""), timeout=5)
    assert answer.status_code == 400
    assert answer.json() == {"errors": [{"msg": "Can return only the first 10000 results. 10500th result asked."}]}


def test_more_than_10000_hotspots_are_split_by_status(server: SonarServer) -> None:
    template = corpus("codemodder-sonarcloud-api-hotspots-search.json")["hotspots"][0]
    states = [("TO_REVIEW", None), ("REVIEWED", "SAFE"), ("REVIEWED", "FIXED"), ("REVIEWED", "ACKNOWLEDGED")]
    hotspots = []
    for n in range(10_200):
        status, resolution = states[n % 4]
        hotspots.append({**template, "key": f"H{n:06d}", "line": n + 1, "status": status, **({"resolution": resolution} if resolution else {})})
    server.add("big", Dataset(hotspots=hotspots))
    report = load(server, project="big")["api/hotspots/search"]
    fixed = {h["key"] for h in hotspots if h.get("resolution") == "FIXED"}
    assert keys(report) == sorted(h["key"] for h in hotspots if h["key"] not in fixed)
    assert {c.params.get("status") for c in server.calls(HOTSPOTS)} == {None, "TO_REVIEW", "REVIEWED"}


def test_a_project_that_changes_while_read_is_refused(server: SonarServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sonarqube, "PAGE_SIZE", 10)
    data = server.data[(PROJECT, None, None)]
    extra = {**data.issues[0], "key": "NEW", "creationDate": "2030-01-01T00:00:00+0000"}
    server.inject(ISSUES, None, lambda: data.issues.append(extra))
    error = fail(server)
    assert "the pages disagree on the total ([44, 45])" in str(error)
    assert str(error).endswith("run again")


# ---------------------------------------------------------------- refusals


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"token": "squ_wrong"}, r"HTTP 401 Unauthorized: SONAR_TOKEN is invalid or expired"),
        ({"token": None}, r"HTTP 401 Unauthorized: no SONAR_TOKEN is set"),
        ({"project": "nope"}, r"HTTP 404 Not Found: no project 'nope' here, or --sonar-url is not the server's base URL \(server: Component key 'nope' not found\)"),
        ({"branch": "gone"}, r"HTTP 404 Not Found: no project '.*' branch 'gone' here.*on branch 'gone' not found"),
        ({"url": "ftp://example.com"}, r"expected an http\(s\):// URL"),
        ({"ca_bundle": "/nonexistent/ca.pem"}, r"/nonexistent/ca.pem: no such CA bundle file"),
        ({"branch": "a", "pull_request": "1"}, r"choose a branch or a pull request, not both"),
    ],
)
def test_refusals_are_clear_and_not_retried(server: SonarServer, changes: dict[str, Any], message: str) -> None:
    error = fail(server, **changes)
    assert re.search(message, str(error)), str(error)
    assert "attempts" not in str(error)
    assert len(server.seen) <= 1


def test_403_names_the_permission(server: SonarServer) -> None:
    server.forbidden.add(PROJECT)
    error = fail(server)
    assert f"{server.url}/api/qualitygates/project_status: HTTP 403 Forbidden: the token's user may not browse project '{PROJECT}'" in str(error)


def test_server_words_never_show_the_token(server: SonarServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(server, "answer", lambda path, q: (403, {"errors": [{"msg": f"token {TOKEN} may not browse"}]}))
    error = fail(server)
    assert "(server: token *** may not browse)" in str(error)


def test_settings_and_their_repr_hide_the_token(server: SonarServer) -> None:
    assert TOKEN not in repr(settings(server))


# ---------------------------------------------------------------- retries and broken answers


def test_5xx_is_retried_with_growing_backoff(server: SonarServer) -> None:
    server.inject(GATE, 500, 502, 503)
    sleeps: list[float] = []
    reports = load(server, sleeps, backoff=0.01)
    assert len(reports["api/qualitygates/project_status"].findings) == 4
    assert sleeps == [0.01, 0.02, 0.04]
    assert len(server.calls(GATE)) == 4


def test_5xx_that_persists_fails_after_the_retries(server: SonarServer) -> None:
    server.always[ISSUES] = 500
    error = fail(server, retries=2)
    assert str(error) == f"{server.url}/api/issues/search: HTTP 500 Internal Server Error (after 3 attempts)"
    assert len(server.calls(ISSUES)) == 3


def test_a_slow_answer_times_out_and_is_retried(server: SonarServer) -> None:
    server.slow_seconds = 1.0
    server.inject(HOTSPOTS, "slow")
    reports = load(server, timeout=0.2)
    assert len(reports["api/hotspots/search"].findings) == 7
    server.always[HOTSPOTS] = "slow"
    error = fail(server, timeout=0.2, retries=1)
    assert str(error) == f"{server.url}/api/hotspots/search: no answer within 0.2s (after 2 attempts)"


def test_a_connection_cut_mid_answer_is_retried(server: SonarServer) -> None:
    server.inject(ISSUES, "cut")
    assert len(load(server)["api/issues/search"].findings) == 44
    assert len(server.calls(ISSUES)) == 2


def test_truncated_json_fails(server: SonarServer) -> None:
    server.inject(ISSUES, "truncate")
    error = fail(server)
    assert str(error).startswith(f"{server.url}/api/issues/search: truncated JSON: the answer ends early")


def test_an_html_page_means_a_wrong_url(server: SonarServer) -> None:
    server.inject(GATE, "html")
    error = fail(server)
    assert "the answer is not JSON (text/html;charset=utf-8); is --sonar-url the server's base URL?" in str(error)


def test_no_server_listening() -> None:
    srv = SonarServer().start()
    srv.stop()  # the port is now closed
    error = fail(srv, retries=1)
    assert "cannot connect or the connection broke" in str(error)
    assert "(after 2 attempts)" in str(error)


def test_user_info_in_the_url_is_never_printed(server: SonarServer) -> None:
    url = server.url.replace("http://", f"http://{TOKEN}:x@")
    server.token = None
    server.forbidden.add(PROJECT)
    error = fail(server, url=url)
    assert "HTTP 403" in str(error)


# ---------------------------------------------------------------- TLS


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    assert shutil.which("openssl"), "openssl is needed to make a test certificate"
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
         "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    return str(cert), str(key)


def test_tls_is_verified_and_a_private_ca_can_be_trusted(certificate: tuple[str, str]) -> None:
    require_shared()
    srv = SonarServer().start(tls=certificate)
    try:
        srv.add(PROJECT, Dataset(gate=corpus("sonarqube-ws-qualitygates-project_status-example.json")))
        error = fail(srv)
        assert "TLS verification failed" in str(error) and "--sonar-ca-bundle" in str(error)
        assert "attempts" not in str(error)
        reports = load(srv, ca_bundle=certificate[0])
        assert len(reports["api/qualitygates/project_status"].findings) == 4
    finally:
        srv.stop()


# ---------------------------------------------------------------- waiting for the analysis


def test_waits_for_the_task_then_gates_that_analysis(server: SonarServer) -> None:
    server.tasks["T1"] = deque(
        [{"status": "PENDING"}, {"status": "IN_PROGRESS"}, {"status": "SUCCESS", "analysisId": "A1"}]
    )
    server.gates_by_analysis["A1"] = {"projectStatus": {"status": "OK", "conditions": []}}
    sleeps: list[float] = []
    reports = load(server, sleeps, wait=True, task_id="T1", poll_interval=0.5)
    assert sleeps == [0.5, 0.5]
    assert server.calls(GATE)[0].params == {"analysisId": "A1"}
    assert not reports["api/qualitygates/project_status"].findings


@pytest.mark.parametrize("status", ["FAILED", "CANCELED"])
def test_a_failed_or_cancelled_analysis_stops_the_gate(server: SonarServer, status: str) -> None:
    server.tasks["T1"] = deque([{"status": status, "errorMessage": "Java heap space"}])
    error = fail(server, wait=True, task_id="T1")
    assert f"analysis task T1 {status}: Java heap space; the gate was not evaluated" in str(error)
    assert not server.calls(ISSUES)


def test_a_task_still_pending_at_the_timeout_stops_the_gate(server: SonarServer) -> None:
    server.tasks["T1"] = deque([{"status": "PENDING"}])
    error = fail(server, wait=True, task_id="T1", wait_timeout=0)
    assert "analysis task T1 still PENDING after 0s; the gate was not evaluated (raise --sonar-wait-timeout)" in str(error)


def test_the_task_id_comes_from_the_scanners_report_task_file(tmp_path: Path) -> None:
    assert find_task_id("p", tmp_path) is None
    (tmp_path / ".scannerwork").mkdir()
    report = tmp_path / ".scannerwork" / "report-task.txt"
    report.write_text("projectKey=p\nserverUrl=https://sonar\nceTaskId=AYx-1\nceTaskUrl=https://sonar/api/ce/task?id=AYx-1\n")
    assert find_task_id("p", tmp_path) == "AYx-1"
    with pytest.raises(SonarQubeError, match=r"report-task.txt: the last analysis here was of project 'p', not 'q'"):
        find_task_id("q", tmp_path)
    report.write_text("projectKey=p\n")
    with pytest.raises(SonarQubeError, match="no ceTaskId line"):
        find_task_id("p", tmp_path)


def test_waiting_without_a_task_id_is_an_error(server: SonarServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    error = fail(server, wait=True)
    assert "waiting needs the analysis task id: pass --sonar-task-id" in str(error)


# ---------------------------------------------------------------- the command line


def gatekeeper(*args: str, token: str | None = TOKEN, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1", "NO_PROXY": "127.0.0.1,localhost"}
    env.pop("GITHUB_ACTIONS", None)
    env.pop("SONAR_TOKEN", None)
    if token:
        env["SONAR_TOKEN"] = token
    return subprocess.run(
        [sys.executable, "-m", "gatekeeper", "check", *args],
        capture_output=True, text=True, cwd=cwd, env=env, timeout=120,
    )  # fmt: skip


def test_cli_gates_a_sonarqube_project_without_report_files(server: SonarServer) -> None:
    r = gatekeeper("--sonar-url", server.url, "--sonar-project", PROJECT)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "sonarqube" in r.stdout
    assert TOKEN not in r.stdout + r.stderr


def test_cli_adds_the_project_to_report_files_and_waits_for_the_task(server: SonarServer, tmp_path: Path) -> None:
    server.tasks["T9"] = deque([{"status": "SUCCESS", "analysisId": "A9"}])
    server.gates_by_analysis["A9"] = {"projectStatus": {"status": "OK", "conditions": []}}
    (tmp_path / ".scannerwork").mkdir()
    (tmp_path / ".scannerwork" / "report-task.txt").write_text(f"projectKey={PROJECT}\nceTaskId=T9\n")
    fixture = ROOT / "fixtures" / "reports" / "gitleaks-empty.json"
    r = gatekeeper(str(fixture), "--sonar-url", server.url, "--sonar-project", PROJECT, "--sonar-wait", cwd=tmp_path)
    assert r.returncode == 1, r.stdout + r.stderr
    assert server.calls(TASK) and server.calls(GATE)[0].params == {"analysisId": "A9"}


@pytest.mark.parametrize(
    ("args", "token", "message"),
    [
        ((), "squ_wrong" + TOKEN, "HTTP 401 Unauthorized: SONAR_TOKEN is invalid or expired"),
        (("--sonar-project", "nope"), TOKEN, "HTTP 404 Not Found: no project 'nope'"),
    ],
)
def test_cli_api_errors_exit_2_in_one_line_without_the_token(server: SonarServer, args: tuple[str, ...], token: str, message: str) -> None:
    r = gatekeeper("--sonar-url", server.url, "--sonar-project", PROJECT, *args, token=token)
    assert r.returncode == 2, r.stdout + r.stderr
    assert r.stderr.startswith("gatekeeper: error: ") and message in r.stderr
    assert r.stderr.rstrip().endswith("the gate was not evaluated")
    assert len(r.stderr.strip().splitlines()) == 1
    assert TOKEN not in r.stdout + r.stderr and "Traceback" not in r.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--sonar-project", "p"), "--sonar-project needs --sonar-url"),
        (("--sonar-url", "http://127.0.0.1:9"), "--sonar-url needs --sonar-project KEY"),
        (("--sonar-url", "http://x", "--sonar-project", "p", "--sonar-branch", "b", "--sonar-pull-request", "1"), "exclude each other"),
        ((), "no report given"),
    ],
)
def test_cli_usage_errors_exit_2(args: tuple[str, ...], message: str) -> None:
    r = gatekeeper(*args)
    assert r.returncode == 2 and message in r.stderr, r.stderr


def test_gating_files_never_imports_requests() -> None:
    fixture = ROOT / "fixtures" / "reports" / "gitleaks-empty.json"
    code = (
        "import sys\nfrom gatekeeper.cli import main\n"
        f"try:\n    main(['check', {str(fixture)!r}])\nexcept SystemExit:\n    pass\n"
        "print('requests' in sys.modules, file=sys.stderr)"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert r.stderr.strip().endswith("False"), r.stderr
