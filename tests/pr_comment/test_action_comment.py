"""The action's ``pr-comment`` input: its own ``run:`` steps (tests/ci/runner.py) against the
local API server, the token passed as the ``github-token`` input."""

from __future__ import annotations

from pathlib import Path

from tests.ci.test_action import action_path, installed, runner  # noqa: F401 - fixtures
from tests.pr_comment.api_server import ApiServer
from tests.pr_comment.test_pr_comment import DEFAULT_MARK, TOKEN, check_github_headers, github_env


def test_action_posts_then_updates_the_comment(runner, tmp_path: Path) -> None:  # noqa: F811
    with ApiServer("github") as api:
        env = github_env(tmp_path, api.url)
        env.pop("GITHUB_TOKEN")  # the action takes it from its github-token input
        inputs = {"reports": "pipeline", "pr-comment": "true", "github-token": TOKEN, "sarif": ""}
        first = runner(inputs, env=env)
        assert first.exit_code == 1, first.log
        assert first.outputs["result"] == "failed"
        second = runner({**inputs, "reports": "reports/gitleaks-empty.json"}, env=env)
        assert second.exit_code == 0, second.log
        assert [(s.method, s.path) for s in api.writes()] == [
            ("POST", "/repos/octo/app/issues/7/comments"), ("PATCH", "/repos/octo/app/issues/comments/1001"),
        ]
        for seen in api.seen:
            check_github_headers(seen.headers)
        assert api.comments[0]["body"].startswith(DEFAULT_MARK + "\n## ✅ gatekeeper: passed")
        assert TOKEN not in first.log and TOKEN not in second.log


def test_action_without_pr_comment_sends_nothing(runner, tmp_path: Path) -> None:  # noqa: F811
    with ApiServer("github") as api:
        run = runner({"reports": "pipeline", "github-token": TOKEN, "sarif": ""}, env=github_env(tmp_path, api.url))
        assert run.exit_code == 1, run.log
        assert api.seen == []


def test_action_refuses_a_mistyped_pr_comment(runner) -> None:  # noqa: F811
    run = runner({"reports": "pipeline", "pr-comment": "yes"})
    assert run.exit_code == 2, run.log
    assert "::error title=gatekeeper::input pr-comment must be true or false" in run.log


def test_action_passes_the_comment_id(runner, tmp_path: Path) -> None:  # noqa: F811
    from gatekeeper.pr_comment import marker

    with ApiServer("github") as api:
        env = github_env(tmp_path, api.url)
        run = runner({"reports": "pipeline", "pr-comment": "true", "pr-comment-id": "prod $(x)", "github-token": TOKEN,
                      "sarif": ""}, env=env)
        assert run.exit_code == 1, run.log
        assert api.comments[0]["body"].startswith(marker("prod $(x)") + "\n")
