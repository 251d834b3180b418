"""``gatekeeper check --pr-comment`` against a local server speaking GitHub's and GitLab's REST
shapes (tests/pr_comment/api_server.py), through the real CLI: the exact requests, create then
update, pages, refusals and retries, slow answers, redirects, the token's one host, the cut,
the marker, and the verdict's exit code that no comment can change."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from gatekeeper import __version__
from gatekeeper.pr_comment.body import comment_body, comment_id, marker
from gatekeeper.pr_comment.platforms import GITHUB_LIMIT, Target
from tests.conftest import REPORTS, ROOT
from tests.pr_comment.api_server import BOT, GITLAB_BOT, Answer, ApiServer

TOKEN = "ghs_" + "T0kEn" * 7 + "x"
GITLAB_TOKEN = "glpat-" + "S3cret" * 3 + "zz"
FAILING = str(REPORTS / "hadolint.json")
PASSING = str(REPORTS / "gitleaks-empty.json")
DEFAULT_MARK = marker(comment_id("built-in default", None))
HEAD = "0123456789abcdef0123456789abcdef01234567"
RUN = "https://github.com/octo/app/actions/runs/4242"
FOOTER = f"\n<sub>gatekeeper {__version__} · [CI run]({RUN})</sub>\n"


def run(tmp_path: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "GITLAB_", "CI_"))}
    full.update({"NO_COLOR": "1", "PYTHONPATH": str(ROOT), **env})
    return subprocess.run([sys.executable, "-m", "gatekeeper", *args], cwd=tmp_path, env=full,
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)


def github_env(tmp_path: Path, api: str, payload: dict | None = None, event: str = "pull_request") -> dict[str, str]:
    event_file = tmp_path / "event.json"
    default = {"action": "synchronize", "number": 7, "pull_request": {"number": 7, "head": {"sha": HEAD, "ref": "x"}}}
    event_file.write_text(json.dumps(payload if payload is not None else default))
    return {
        "GITHUB_ACTIONS": "true", "GITHUB_API_URL": api, "GITHUB_REPOSITORY": "octo/app", "GITHUB_TOKEN": TOKEN,
        "GITHUB_EVENT_PATH": str(event_file), "GITHUB_EVENT_NAME": event, "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_RUN_ID": "4242",
    }


def gitlab_env(api: str) -> dict[str, str]:
    return {
        "GITLAB_CI": "true", "CI_API_V4_URL": f"{api}/api/v4", "CI_PROJECT_ID": "42", "CI_PROJECT_PATH": "group/app",
        "CI_MERGE_REQUEST_IID": "7", "GITLAB_TOKEN": GITLAB_TOKEN, "CI_JOB_URL": "https://gitlab.example/group/app/-/jobs/9",
        "CI_COMMIT_SHA": HEAD,
    }


def no_secret(r: subprocess.CompletedProcess[str]) -> None:
    for token in (TOKEN, GITLAB_TOKEN):
        assert token not in r.stdout and token not in r.stderr


def check_github_headers(headers: dict[str, str]) -> None:
    assert headers["Authorization"] == f"Bearer {TOKEN}"
    assert headers["Accept"] == "application/vnd.github+json"
    assert headers["X-GitHub-Api-Version"] == "2022-11-28"


# --- GitHub ------------------------------------------------------------------------------


def test_github_creates_the_comment_then_updates_it(tmp_path: Path) -> None:
    with ApiServer("github") as api:
        env = github_env(tmp_path, api.url)
        first = run(tmp_path, "check", FAILING, "--pr-comment", env=env)
        assert first.returncode == 1, first.stderr
        assert "gatekeeper: posted comment 1001 on GitHub pull request #7 of octo/app" in first.stderr
        listing, create = api.seen
        assert (listing.method, listing.path, listing.body) == ("GET", "/repos/octo/app/issues/7/comments?per_page=100", None)
        assert (create.method, create.path) == ("POST", "/repos/octo/app/issues/7/comments")
        for seen in api.seen:
            check_github_headers(seen.headers)
        assert create.headers["Content-Type"] == "application/json"
        assert list(create.body) == ["body"]
        body = create.body["body"]
        assert body.startswith(DEFAULT_MARK + "\n## ❌ gatekeeper: failed\n")
        assert "| hadolint |" in body
        assert body.endswith(f"\n<sub>gatekeeper {__version__} · commit {HEAD[:12]} · [CI run]({RUN})</sub>\n")

        # The second run (the pull request fixed) edits the same comment.
        second = run(tmp_path, "check", PASSING, "--pr-comment", env=env)
        assert second.returncode == 0, second.stderr
        assert "gatekeeper: updated comment 1001 on GitHub pull request #7 of octo/app" in second.stderr
        listing, edit = api.seen[2:]
        assert (listing.method, listing.path) == ("GET", "/repos/octo/app/issues/7/comments?per_page=100")
        assert (edit.method, edit.path) == ("PATCH", "/repos/octo/app/issues/comments/1001")
        check_github_headers(edit.headers)
        assert edit.body == {"body": api.comments[0]["body"]}
        assert len(api.comments) == 1
        assert api.comments[0]["body"].startswith(DEFAULT_MARK + "\n## ✅ gatekeeper: passed\n")
        no_secret(first)
        no_secret(second)


def test_issue_comment_event_on_a_pull_request(tmp_path: Path) -> None:
    with ApiServer("github") as api:
        payload = {"action": "created", "issue": {"number": 12, "pull_request": {"url": "x"}}, "comment": {"id": 1}}
        r = run(tmp_path, "check", PASSING, "--pr-comment", env=github_env(tmp_path, api.url, payload, "issue_comment"))
        assert r.returncode == 0, r.stderr
        assert [s.path for s in api.seen] == ["/repos/octo/app/issues/12/comments?per_page=100", "/repos/octo/app/issues/12/comments"]


@pytest.mark.parametrize(("payload", "event"), [
    ({"ref": "refs/heads/main", "commits": []}, "push"),
    ({"action": "created", "issue": {"number": 3}}, "issue_comment"),  # an issue, not a pull request
])
def test_not_a_pull_request_is_a_warning(tmp_path: Path, payload: dict, event: str) -> None:
    with ApiServer("github") as api:
        r = run(tmp_path, "check", FAILING, "--pr-comment", env=github_env(tmp_path, api.url, payload, event))
        assert r.returncode == 1, r.stderr
        assert f"warning: no pull-request comment posted: the {event} event is not about a pull request" in r.stderr
        assert api.seen == []


def test_marked_comment_on_a_later_page_is_found(tmp_path: Path) -> None:
    with ApiServer("github", page_size=2) as api:
        api.add("first")
        api.add("> " + DEFAULT_MARK + "\nquoted in a reply")  # a quote is not the gate's comment
        api.add(DEFAULT_MARK + "\nforged by a person")  # the marker, but not the token's comment
        ours = api.add(DEFAULT_MARK + "\nold summary", author=BOT)
        api.add("later")
        r = run(tmp_path, "check", FAILING, "--pr-comment", env=github_env(tmp_path, api.url))
        assert r.returncode == 1, r.stderr
        paths = [(s.method, s.path) for s in api.seen]
        assert paths == [
            ("GET", "/repos/octo/app/issues/7/comments?per_page=100"),
            ("GET", "/repos/octo/app/issues/7/comments?per_page=100&page=2"),
            ("GET", "/repos/octo/app/issues/7/comments?per_page=100&page=3"),
            ("GET", "/user"),  # the person's comment: is the token theirs? (403: the Actions bot)
            ("PATCH", f"/repos/octo/app/issues/comments/{ours}"),
        ]
        for seen in api.seen:
            check_github_headers(seen.headers)
        bodies = [c["body"] for c in api.comments]
        assert bodies[2] == DEFAULT_MARK + "\nforged by a person"
        assert bodies[3].startswith(DEFAULT_MARK + "\n## ❌ gatekeeper: failed")


def test_a_persons_token_edits_its_own_comment(tmp_path: Path) -> None:
    with ApiServer("github", user={"login": "alice", "id": 7, "type": "User"}) as api:
        api.add(DEFAULT_MARK + "\nby mallory", author={"login": "mallory", "id": 8, "type": "User"})
        mine = api.add(DEFAULT_MARK + "\nby alice")
        r = run(tmp_path, "check", PASSING, "--pr-comment", env=github_env(tmp_path, api.url))
        assert r.returncode == 0, r.stderr
        assert [(s.method, s.path) for s in api.writes()] == [("PATCH", f"/repos/octo/app/issues/comments/{mine}")]


def test_gates_with_different_ids_keep_a_comment_each(tmp_path: Path) -> None:
    with ApiServer("github") as api:
        env = github_env(tmp_path, api.url)
        for name in ("staging", "prod", "staging"):
            r = run(tmp_path, "check", FAILING, "--pr-comment", "--pr-comment-id", name, env=env)
            assert r.returncode == 1, r.stderr
        assert [s.method for s in api.writes()] == ["POST", "POST", "PATCH"]
        assert [c["body"].split("\n", 1)[0] for c in api.comments] == [marker("staging"), marker("prod")]


# --- failures never change the verdict ----------------------------------------------------


@pytest.mark.parametrize(("status", "attempts", "words"), [
    (401, 1, "HTTP 401: GITHUB_TOKEN was refused"),
    (403, 1, "HTTP 403: GITHUB_TOKEN may not comment here (the workflow needs `permissions: pull-requests: write`"),
    (404, 1, "HTTP 404: not found, or GITHUB_TOKEN cannot see it (server: Not Found)"),
    (500, 3, "HTTP 500 (server: boom) (after 3 attempts)"),
    (502, 3, "HTTP 502"),
])
@pytest.mark.parametrize("report", [FAILING, PASSING])
def test_refusals_and_server_errors_are_warnings(tmp_path: Path, status: int, attempts: int, words: str, report: str) -> None:
    with ApiServer("github") as api:
        said = {500: "boom"}.get(status, "Not Found" if status == 404 else f"said {TOKEN}")
        api.script[("GET", "/repos/")] = [Answer(status, {"message": said})] * 5
        r = run(tmp_path, "check", report, "--pr-comment", env=github_env(tmp_path, api.url))
        assert r.returncode == (1 if report == FAILING else 0), r.stderr
        assert len(api.seen) == attempts
        assert api.writes() == []
        warning = [line for line in r.stderr.splitlines() if "warning: no pull-request comment posted" in line]
        assert len(warning) == 1 and words.replace(" (after 3 attempts)", "") in warning[0], r.stderr
        assert warning[0].endswith("; the verdict stands")
        no_secret(r)  # the server echoed the token: it is shown as ***


def test_server_error_then_success_is_retried(tmp_path: Path) -> None:
    with ApiServer("github") as api:
        api.script[("GET", "/repos/")] = [Answer(503, {"message": "unavailable"})]
        api.script[("POST", "/repos/")] = [Answer(500, {"message": "boom"})]
        r = run(tmp_path, "check", FAILING, "--pr-comment", env=github_env(tmp_path, api.url))
        assert r.returncode == 1, r.stderr
        assert [s.method for s in api.seen] == ["GET", "GET", "POST", "POST"]
        assert len(api.comments) == 1 and "posted comment" in r.stderr


def test_secondary_rate_limit_waits_as_told(tmp_path: Path) -> None:
    with ApiServer("github") as api:
        api.script[("GET", "/repos/")] = [Answer(403, {"message": "You have exceeded a secondary rate limit"}, {"Retry-After": "1"})]
        r = run(tmp_path, "check", FAILING, "--pr-comment", env=github_env(tmp_path, api.url))
        assert r.returncode == 1, r.stderr
        assert [s.method for s in api.seen] == ["GET", "GET", "POST"]


def test_rate_limit_longer_than_the_budget_is_not_waited_for(tmp_path: Path) -> None:
    import time

    with ApiServer("github") as api:
        reset = str(int(time.time()) + 3600)
        api.script[("GET", "/repos/")] = [Answer(403, {"message": "API rate limit exceeded"}, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": reset})]
        started = time.monotonic()
        r = run(tmp_path, "check", FAILING, "--pr-comment", env=github_env(tmp_path, api.url))
        assert time.monotonic() - started < 30
        assert r.returncode == 1, r.stderr
        assert len(api.seen) == 1
        assert "HTTP 403: rate limited (server: API rate limit exceeded); a retry would wait" in r.stderr


def test_slow_answer_times_out_as_a_warning(tmp_path: Path) -> None:
    with ApiServer("github") as api:
        api.script[("GET", "/repos/")] = [Answer(200, [], delay=3)] * 3
        r = run(tmp_path, "check", FAILING, "--pr-comment", "--pr-comment-timeout", "0.5", env=github_env(tmp_path, api.url))
        assert r.returncode == 1, r.stderr
        assert "no answer within 0.5s" in r.stderr and "warning: no pull-request comment posted" in r.stderr
        assert [s.method for s in api.seen] == ["GET"] * 3  # a read is retried
        assert api.writes() == []


def test_slow_create_is_not_sent_twice(tmp_path: Path) -> None:
    with ApiServer("github") as api:
        api.script[("POST", "/repos/")] = [Answer(201, {"id": 5}, delay=3)]
        r = run(tmp_path, "check", FAILING, "--pr-comment", "--pr-comment-timeout", "0.5", env=github_env(tmp_path, api.url))
        assert r.returncode == 1, r.stderr
        assert [s.method for s in api.seen] == ["GET", "POST"]  # it may have been created: no second POST
        assert "POST /repos/octo/app/issues/7/comments: no answer within 0.5s" in r.stderr


def test_unreachable_api_is_a_warning(tmp_path: Path) -> None:
    with ApiServer("github") as api:
        url = api.url
    r = run(tmp_path, "check", FAILING, "--pr-comment", env=github_env(tmp_path, url))
    assert r.returncode == 1, r.stderr
    assert "cannot connect or the connection broke" in r.stderr
    no_secret(r)


# --- the token goes to the API's host only -------------------------------------------------


@pytest.mark.parametrize("platform", ["github", "gitlab"])
def test_redirect_to_another_host_is_not_followed(tmp_path: Path, platform: str) -> None:
    with ApiServer(platform) as api, ApiServer(platform) as elsewhere:
        prefix = "/repos/" if platform == "github" else "/api/v4/projects/"
        api.script[("GET", prefix)] = [Answer(307, None, {"Location": f"{elsewhere.url}/steal"})]
        env = github_env(tmp_path, api.url) if platform == "github" else gitlab_env(api.url)
        r = run(tmp_path, "check", FAILING, "--pr-comment", env=env)
        assert r.returncode == 1, r.stderr
        assert elsewhere.seen == []
        assert "a redirect to another host was not followed (the token stays with the API)" in r.stderr
        assert api.writes() == []
        no_secret(r)


def test_redirect_on_the_same_host_is_followed(tmp_path: Path) -> None:
    with ApiServer("github") as api:
        # GitHub answers 301 for a renamed repository.
        api.script[("GET", "/repos/octo/app/")] = [Answer(301, None, {"Location": "/repositories/1/issues/7/comments?per_page=100"})]
        r = run(tmp_path, "check", FAILING, "--pr-comment", env=github_env(tmp_path, api.url))
        assert r.returncode == 1, r.stderr
        assert [s.path for s in api.seen][:2] == ["/repos/octo/app/issues/7/comments?per_page=100", "/repositories/1/issues/7/comments?per_page=100"]
        check_github_headers(api.seen[1].headers)


def test_next_page_on_another_host_is_not_followed(tmp_path: Path) -> None:
    with ApiServer("github") as api, ApiServer("github") as elsewhere:
        api.script[("GET", "/repos/")] = [Answer(200, [], {"Link": f'<{elsewhere.url}/page2>; rel="next"'})]
        r = run(tmp_path, "check", FAILING, "--pr-comment", env=github_env(tmp_path, api.url))
        assert r.returncode == 1, r.stderr
        assert elsewhere.seen == [] and api.writes() == []
        assert "the next page of comments is on another host" in r.stderr


def test_plain_http_to_another_host_is_refused(tmp_path: Path) -> None:
    r = run(tmp_path, "check", FAILING, "--pr-comment", env=github_env(tmp_path, "http://api.example.com"))
    assert r.returncode == 1, r.stderr
    assert "GITHUB_API_URL is plain http to another host: the token would travel in clear" in r.stderr


@pytest.mark.parametrize(("drop", "words"), [
    ("GITHUB_TOKEN", "GITHUB_TOKEN is not set"),
    ("GITHUB_ACTIONS", "not running on GitHub Actions"),
    ("GITHUB_EVENT_PATH", "GITHUB_EVENT_PATH is not set"),
])
def test_missing_environment_is_a_warning(tmp_path: Path, drop: str, words: str) -> None:
    env = github_env(tmp_path, "https://api.github.com")
    env.pop(drop)
    r = run(tmp_path, "check", FAILING, "--pr-comment", env=env)
    assert r.returncode == 1, r.stderr
    assert f"gatekeeper: warning: no pull-request comment posted: {words}" in r.stderr


# --- GitLab ------------------------------------------------------------------------------


def test_gitlab_creates_the_note_then_updates_it_across_pages(tmp_path: Path) -> None:
    with ApiServer("gitlab", page_size=2, user=GITLAB_BOT) as api:
        api.add("a person's note")
        api.add(DEFAULT_MARK + "\nforged")  # a person's note with the marker
        api.add("added commit abc", system=True)
        env = gitlab_env(api.url)
        first = run(tmp_path, "check", FAILING, "--pr-comment", env=env)
        assert first.returncode == 1, first.stderr
        notes = "/api/v4/projects/42/merge_requests/7/notes"
        assert [(s.method, s.path) for s in api.seen] == [
            ("GET", f"{notes}?per_page=100&sort=asc&order_by=created_at"),
            ("GET", f"{notes}?per_page=100&sort=asc&order_by=created_at&page=2"),
            ("GET", "/api/v4/user"),
            ("POST", notes),
        ]
        for seen in api.seen:
            assert seen.headers["PRIVATE-TOKEN"] == GITLAB_TOKEN
            assert "Authorization" not in seen.headers
        assert api.seen[-1].body["body"].startswith(DEFAULT_MARK + "\n## ❌ gatekeeper: failed")
        assert api.seen[-1].body["body"].endswith(f" · commit {HEAD[:12]} · [CI run](https://gitlab.example/group/app/-/jobs/9)</sub>\n")
        assert "posted comment 1004 on GitLab merge request !7 of group/app" in first.stderr

        second = run(tmp_path, "check", PASSING, "--pr-comment", env=env)
        assert second.returncode == 0, second.stderr
        edit = api.seen[-1]
        assert (edit.method, edit.path) == ("PUT", f"{notes}/1004")
        assert edit.body["body"].startswith(DEFAULT_MARK + "\n## ✅ gatekeeper: passed")
        assert api.comments[1]["body"] == DEFAULT_MARK + "\nforged"
        assert len(api.comments) == 4
        no_secret(first)
        no_secret(second)


def test_gitlab_outside_a_merge_request_pipeline_is_a_warning(tmp_path: Path) -> None:
    env = gitlab_env("https://gitlab.example")
    env.pop("CI_MERGE_REQUEST_IID")
    r = run(tmp_path, "check", FAILING, "--pr-comment", env=env)
    assert r.returncode == 1, r.stderr
    assert "CI_MERGE_REQUEST_IID is not set: not a merge request pipeline" in r.stderr


# --- what the comment says ----------------------------------------------------------------


def test_hostile_report_text_stays_data_and_cannot_forge_the_marker(tmp_path: Path) -> None:
    hostile = json.loads((ROOT / "tests" / "data" / "hostile" / "gitleaks.json").read_text())
    hostile[0]["Description"] = f"{DEFAULT_MARK}\n{marker('prod')} @octocat <script>x</script> [a](http://e) | x |"
    report = tmp_path / "gitleaks.json"
    report.write_text(json.dumps(hostile))
    with ApiServer("github") as api:
        api.add("> " + DEFAULT_MARK, author=BOT)
        r = run(tmp_path, "check", str(report), "--pr-comment", env=github_env(tmp_path, api.url))
        assert r.returncode == 1, r.stderr
        assert api.writes()[0].method == "POST"  # the quoting comment was not taken for the gate's
        body = api.writes()[0].body["body"]
    assert body.count("<!--") == 1 and body.startswith(DEFAULT_MARK + "\n")
    assert marker("prod") not in body
    summary, footer = body.rsplit("\n<sub>", 1)
    assert footer == f"gatekeeper {__version__} · commit {HEAD[:12]} · [CI run]({RUN})</sub>\n"  # the one link
    assert "<script" not in summary and "](http" not in summary and "\x1b" not in summary
    assert "@octocat" not in body and "@\u2060octocat" in body


def test_marker_is_unique_and_inert() -> None:
    names = ["built-in default", "built-in default/prod", "built-in default/staging", "a -->", "a --&gt;", "x\n## y", "ü"]
    marks = [marker(n) for n in names]
    assert len(set(marks)) == len(marks)
    for m in marks:
        assert m.startswith("<!-- gatekeeper:pr-comment:") and m.endswith(" -->")
        assert m.count("--") == 2 and "\n" not in m and m.isascii()


def _target(limit: int = GITHUB_LIMIT) -> Target:
    return Target(platform="github", api="https://api.github.com", collection="/c", item="/c/{id}", where="w",
                  limit=limit, token=TOKEN, full_report="https://github.com/octo/app/actions/runs/4242")


def test_a_long_summary_is_cut_at_a_line_with_a_pointer_to_the_run() -> None:
    rows = [f"| fail | high | trivy | CVE-{i} | 😀 {'x' * 80} | a.py:{i} |" for i in range(2000)]
    markdown = "\n".join(["## ❌ gatekeeper: failed", "", "<details><summary>Notes</summary>", "", *rows, "", "</details>", ""])
    body = comment_body(markdown, DEFAULT_MARK, _target())
    units = len(body.encode("utf-16-le")) // 2
    assert len(markdown) > GITHUB_LIMIT and GITHUB_LIMIT - 200 < units <= GITHUB_LIMIT
    assert body.startswith(DEFAULT_MARK + "\n## ❌ gatekeeper: failed\n")
    kept = body.split("\n\n---\n\n", 1)[0]
    assert kept.splitlines()[-3].startswith("| fail |") and kept.splitlines()[-3].endswith("|")  # whole rows only
    assert kept.endswith("\n\n</details>")  # the open block is closed before the note
    assert body.endswith("The full report: [the CI run](https://github.com/octo/app/actions/runs/4242).\n" + FOOTER)
    short = comment_body("## ok\n", DEFAULT_MARK, _target())
    assert short == f"{DEFAULT_MARK}\n## ok\n{FOOTER}"


def test_options_are_shared_by_scan_and_refused_alone(tmp_path: Path) -> None:
    from gatekeeper.cli import check, scan

    for command in (check, scan):
        assert {"pr_comment", "pr_comment_id", "pr_comment_timeout"} <= {p.name for p in command.params}
    r = run(tmp_path, "check", FAILING, "--pr-comment-id", "x", env={})
    assert r.returncode == 2 and "--pr-comment-id is given without --pr-comment" in r.stderr


def test_a_comment_deleted_since_it_was_listed_is_posted_anew(tmp_path: Path) -> None:
    with ApiServer("github") as api:
        api.add(DEFAULT_MARK + "\nold", author=BOT)
        api.script[("PATCH", "/repos/")] = [Answer(404, {"message": "Not Found"})]
        r = run(tmp_path, "check", FAILING, "--pr-comment", env=github_env(tmp_path, api.url))
        assert r.returncode == 1, r.stderr
        assert [s.method for s in api.writes()] == ["PATCH", "POST"]
        assert "posted comment 1002" in r.stderr


@pytest.mark.parametrize(("answer", "words"), [
    (Answer(200, {"message": "not a list"}), "the list of comments is not a JSON array"),
    (Answer(200, [1, 2]), "a comment in the list is not a JSON object"),
    (Answer(200, None, {"Content-Type": "text/html"}), "the answer is not JSON"),
])
def test_malformed_answers_are_warnings(tmp_path: Path, answer: Answer, words: str) -> None:
    with ApiServer("github") as api:
        api.script[("GET", "/repos/")] = [answer]
        r = run(tmp_path, "check", FAILING, "--pr-comment", env=github_env(tmp_path, api.url))
        assert r.returncode == 1, r.stderr
        assert words in r.stderr and api.writes() == []


def test_the_servers_words_are_inert_in_the_warning(tmp_path: Path) -> None:
    with ApiServer("github") as api:
        said = "bad\x1b[31m red\x1b]8;;http://e\x07\n::error::forged\r\n::add-mask::x"
        api.script[("GET", "/repos/")] = [Answer(422, {"message": said})]
        r = run(tmp_path, "check", FAILING, "--pr-comment", env=github_env(tmp_path, api.url))
        assert r.returncode == 1, r.stderr
        assert "HTTP 422: the API refused the comment (server: bad\\x1b[31m red" in r.stderr
        assert "\x1b" not in r.stderr and "\x07" not in r.stderr and "\r" not in r.stderr
        assert not any(line.lstrip().startswith("::") for line in r.stderr.splitlines())


def test_gitlab_link_header_is_followed_before_x_next_page() -> None:
    from gatekeeper.pr_comment.platforms import CommentError, next_page

    t = Target(platform="gitlab", api="https://gitlab.example/api/v4", collection="/projects/1/merge_requests/2/notes",
               item="/n/{id}", where="w", limit=10, token=GITLAB_TOKEN)
    first = "https://gitlab.example/api/v4/projects/1/merge_requests/2/notes?per_page=100&sort=asc"
    linked = "https://gitlab.example/api/v4/projects/1/merge_requests/2/notes?id=1&page=2&per_page=100"
    assert next_page(t, first, {"next": {"url": linked}}, {"X-Next-Page": "9"}) == linked
    assert next_page(t, first, {}, {"X-Next-Page": "3"}) == first + "&page=3"
    assert next_page(t, first + "&page=3", {}, {"X-Next-Page": ""}) is None
    with pytest.raises(CommentError, match="on another host"):
        next_page(t, first, {"next": {"url": "https://gitlab.example:8443/api/v4/x"}}, {})


def test_the_comment_says_when_the_change_was_judged(tmp_path: Path) -> None:
    with ApiServer("github") as api:
        r = run(tmp_path, "check", str(ROOT / "fixtures" / "pipeline"), "--diff", str(ROOT / "fixtures" / "changes" / "pull-request.diff"),
                "--pr-comment", env=github_env(tmp_path, api.url))
        assert r.returncode == 1, r.stderr
        body = api.writes()[0].body["body"]
    assert "**Pull request:** judged the change against diff " in body
    assert "10 findings violate the policy" in body
