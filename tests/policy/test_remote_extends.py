"""A central policy for many repositories: ``extends`` of a URL pinned by digest (issue 19).

Through the real CLI, against a local HTTPS server whose CA is generated here: the base is
inherited, refused when its digest changed, used from the cache with the server stopped, and
every bad answer (404, a server that is down, a redirect loop, 2 GB, an unknown CA) is exit 2
naming the URL.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REPORTS
from tests.policy.policy_server import PolicyServer, Tls, make_ca
from tests.test_cli import run

REPORT = REPORTS / "pip-audit.json"
"""41 high findings: the default policy fails them; a base with ``fail_on: critical`` passes."""
BASE = b"version: 1\nfail_on: critical\n"
TOKEN = "gkp_0123456789SECRETpolicyTOKEN"


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> Tls:
    return make_ca(tmp_path_factory.mktemp("ca"))


@pytest.fixture
def server(tls: Tls) -> Iterator[PolicyServer]:
    srv = PolicyServer().start(tls)
    yield srv
    srv.stop()


@pytest.fixture
def env(tmp_path: Path, tls: Tls, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    for name in ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "GATEKEEPER_POLICY_TOKEN", "HTTPS_PROXY",
                 "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy", "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    return {"REQUESTS_CA_BUNDLE": str(tls.ca), "GATEKEEPER_CACHE_DIR": str(tmp_path / "cache")}


def team(tmp_path: Path, extends: str, extra: str = "") -> Path:
    path = tmp_path / "team.yaml"
    path.write_text(f"version: 1\nextends: {json.dumps(extends)}\n{extra}", encoding="utf-8")
    return path


def check(policy: Path, env: dict[str, str], *more: str) -> object:
    return run("check", REPORT, "--policy", policy, *more, env=env)


def refused(result: object, *words: str) -> str:
    out = result.stdout + result.stderr  # type: ignore[attr-defined]
    assert result.returncode == 2, out  # type: ignore[attr-defined]
    assert "Traceback" not in out
    for word in words:
        assert word in out, f"{word!r} not in {out!r}"
    return out


def test_pinned_base_is_inherited_then_used_offline_from_the_cache(server: PolicyServer, tmp_path: Path, env: dict[str, str]) -> None:
    server.files["/base/v3.yaml"] = BASE
    url = server.url("/base/v3.yaml")
    policy = team(tmp_path, f"{url}#sha256={sha(BASE)}")
    assert run("check", REPORT, env=env).returncode == 1  # the default policy fails these findings
    first = check(policy, env)
    assert first.returncode == 0, first.stdout + first.stderr  # fail_on: critical came from the base
    assert [s.path for s in server.seen] == ["/base/v3.yaml"]
    assert (tmp_path / "cache" / "policies" / "sha256" / sha(BASE)).read_bytes() == BASE

    again = check(policy, env)  # the digest is in the cache: the server is not asked
    assert again.returncode == 0 and len(server.seen) == 1
    server.stop()
    offline = check(policy, env)
    assert offline.returncode == 0, offline.stdout + offline.stderr


def test_ssl_cert_file_names_the_ca_too(server: PolicyServer, tmp_path: Path, env: dict[str, str]) -> None:
    server.files["/base.yaml"] = BASE
    env["SSL_CERT_FILE"] = env.pop("REQUESTS_CA_BUNDLE")
    result = check(team(tmp_path, f"{server.url('/base.yaml')}#sha256={sha(BASE)}"), env)
    assert result.returncode == 0, result.stdout + result.stderr


def test_changed_base_is_refused_before_parsing_naming_both_digests(server: PolicyServer, tmp_path: Path, env: dict[str, str]) -> None:
    changed = b"version: 1\nfail_on: [critical\nmode: warn\n"  # not even YAML: never parsed
    server.files["/base.yaml"] = changed
    url = server.url("/base.yaml")
    out = refused(check(team(tmp_path, f"{url}#sha256={sha(BASE)}"), env),
                  url, f"pinned {sha(BASE)}", f"received {sha(changed)}", "refused before parsing it", "extended by")
    assert "YAML" not in out


def test_damaged_cache_copy_is_not_used(server: PolicyServer, tmp_path: Path, env: dict[str, str]) -> None:
    server.files["/base.yaml"] = BASE
    policy = team(tmp_path, f"{server.url('/base.yaml')}#sha256={sha(BASE)}")
    copy = tmp_path / "cache" / "policies" / "sha256" / sha(BASE)
    copy.parent.mkdir(parents=True)
    copy.write_bytes(b"version: 1\nmode: warn\n")  # someone changed the cached file
    assert check(policy, env).returncode == 0
    assert len(server.seen) == 1 and copy.read_bytes() == BASE


def test_relative_extends_in_a_remote_base_resolves_against_its_url(server: PolicyServer, tmp_path: Path, env: dict[str, str]) -> None:
    common = b"version: 1\nfail_on: critical\n"
    base = f"version: 1\nextends: ../common/all.yaml#sha256={sha(common)}\nwarn_on: high\n".encode()
    server.files.update({"/common/all.yaml": common, "/base/v3.yaml": base})
    url = server.url("/base/v3.yaml")
    record = tmp_path / "record.json"
    result = check(team(tmp_path, f"{url}#sha256={sha(base)}"), env, "--record", str(record))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARN" in result.stdout  # warn_on high from the base, fail_on critical from its base
    files = json.loads(record.read_text())["policy"]["files"]
    assert files == [{"path": server.url("/common/all.yaml"), "sha256": sha(common)},
                     {"path": url, "sha256": sha(base)},
                     {"path": str(tmp_path / "team.yaml"), "sha256": sha((tmp_path / "team.yaml").read_bytes())}]


def test_a_pinned_base_may_not_extend_an_unpinned_one(server: PolicyServer, tmp_path: Path, env: dict[str, str]) -> None:
    base = b"version: 1\nextends: common.yaml\n"
    server.files.update({"/common.yaml": BASE, "/base.yaml": base})
    url = server.url("/base.yaml")
    refused(check(team(tmp_path, f"{url}#sha256={sha(base)}"), env),
            f"{url}:2:10: $.extends: {server.url('/common.yaml')}: a pinned base may extend only pinned bases")


def test_a_remote_base_cannot_allow_unpinned_bases(server: PolicyServer, tmp_path: Path, env: dict[str, str]) -> None:
    base = b"version: 1\nallow_unpinned_extends: true\n"
    server.files["/base.yaml"] = base
    refused(check(team(tmp_path, f"{server.url('/base.yaml')}#sha256={sha(base)}"), env),
            "allow_unpinned_extends: is honoured only in a local policy file")


def test_unpinned_url_is_refused_unless_the_policy_allows_it(server: PolicyServer, tmp_path: Path, env: dict[str, str]) -> None:
    server.files["/latest.yaml"] = BASE
    url = server.url("/latest.yaml")
    refused(check(team(tmp_path, url), env), f"{url}: an unpinned URL is refused", "allow_unpinned_extends: true")
    assert server.seen == []  # refused before any request
    allowed = team(tmp_path, url, "allow_unpinned_extends: true\n")
    report = tmp_path / "gate.json"
    first = check(allowed, env, "--json", str(report))
    assert first.returncode == 0, first.stdout + first.stderr
    notice = f"policy base {url} is not pinned (allow_unpinned_extends): used as its server sent it, sha256 {sha(BASE)}"
    assert notice in first.stdout and notice in json.loads(report.read_text())["verdict"]["notices"]
    assert check(allowed, env).returncode == 0 and len(server.seen) == 2  # fetched every time
    server.stop()
    refused(check(allowed, env), url, "cannot connect", f"the copy fetched last has sha256 {sha(BASE)}: pin it")


def test_unpinned_bases_cycle_across_urls_is_named(server: PolicyServer, tmp_path: Path, env: dict[str, str]) -> None:
    server.files.update({"/a.yaml": b"version: 1\nextends: b.yaml\n", "/b.yaml": b"version: 1\nextends: ./a.yaml\n"})
    a, b = server.url("/a.yaml"), server.url("/b.yaml")
    refused(check(team(tmp_path, a, "allow_unpinned_extends: true\n"), env), f"extends cycle: {a} -> {b} -> {a}")


def test_plain_http_only_with_a_pin(tmp_path: Path, env: dict[str, str]) -> None:
    srv = PolicyServer(files={"/base.yaml": BASE}).start(None)
    try:
        url = srv.url("/base.yaml")
        assert url.startswith("http://")
        assert check(team(tmp_path, f"{url}#sha256={sha(BASE)}"), env).returncode == 0
        refused(check(team(tmp_path, url, "allow_unpinned_extends: true\n"), env),
                "plain http:// is accepted only with a #sha256= pin")
    finally:
        srv.stop()


def test_huge_answer_is_refused_after_the_cap_without_reading_it(server: PolicyServer, tmp_path: Path, env: dict[str, str]) -> None:
    started = time.monotonic()
    refused(check(team(tmp_path, f"{server.url('/huge')}#sha256={'0' * 64}"), env),
            server.url("/huge"), "larger than 2000000 bytes", "reading stopped")
    assert time.monotonic() - started < 30
    time.sleep(0.2)
    assert server.huge_sent < 64 * 1024**2  # of 2 GB offered: the socket buffers, no more


def test_answer_announcing_2_gb_is_refused_without_reading_it(server: PolicyServer, tmp_path: Path, env: dict[str, str]) -> None:
    refused(check(team(tmp_path, f"{server.url('/announced')}#sha256={'0' * 64}"), env),
            server.url("/announced"), f"the server announces {2 * 1024**3} bytes", "refused without reading it")
    time.sleep(0.2)
    assert server.huge_sent < 64 * 1024**2


def test_redirect_loop_is_refused(server: PolicyServer, tmp_path: Path, env: dict[str, str]) -> None:
    server.redirects.update({"/a.yaml": "/b.yaml", "/b.yaml": server.url("/a.yaml")})
    a = server.url("/a.yaml")
    refused(check(team(tmp_path, f"{a}#sha256={sha(BASE)}"), env), f"{a}:", "redirect loop", f"{a} -> {server.url('/b.yaml')} -> {a}")


def test_token_goes_only_to_the_host_the_policy_names(server: PolicyServer, tmp_path: Path, env: dict[str, str]) -> None:
    server.files["/base.yaml"] = BASE
    server.redirects["/moved.yaml"] = server.url("/base.yaml", host="localhost")  # another host name
    result = check(team(tmp_path, f"{server.url('/moved.yaml')}#sha256={sha(BASE)}"), {**env, "GATEKEEPER_POLICY_TOKEN": TOKEN})
    assert result.returncode == 0, result.stdout + result.stderr
    assert [(s.path, s.authorization) for s in server.seen] == [("/moved.yaml", f"Bearer {TOKEN}"), ("/base.yaml", None)]
    assert server.seen[1].host.startswith("localhost:")
    assert TOKEN not in result.stdout + result.stderr


@pytest.mark.parametrize("case", ["404", "down", "unknown-ca", "malformed-pin", "unpinned", "credentials", "proxy-down"])
def test_bad_remote_bases_are_exit_2_naming_the_url(case: str, server: PolicyServer, tmp_path: Path, env: dict[str, str]) -> None:
    url = server.url("/base.yaml")
    pinned = f"{url}#sha256={sha(BASE)}"
    if case == "404":
        refused(check(team(tmp_path, pinned), env), url, "HTTP 404 Not Found", "no copy of sha256")
    elif case == "down":
        server.stop()
        refused(check(team(tmp_path, pinned), env), url, "cannot connect", f"no copy of sha256 {sha(BASE)} in the cache")
    elif case == "unknown-ca":
        server.files["/base.yaml"] = BASE
        env.pop("REQUESTS_CA_BUNDLE")
        refused(check(team(tmp_path, pinned), env), url, "TLS verification failed", "REQUESTS_CA_BUNDLE")
    elif case == "malformed-pin":
        refused(check(team(tmp_path, f"{url}#sha256=abc123"), env), url, "malformed pin: #sha256= needs 64 hexadecimal digits, got 6")
        assert server.seen == []
    elif case == "proxy-down":
        out = refused(check(team(tmp_path, pinned), {**env, "HTTPS_PROXY": "http://proxyuser:pr0xypass@127.0.0.1:9"}),
                      url, "cannot connect through the proxy")
        assert "pr0xypass" not in out
    elif case == "unpinned":
        refused(check(team(tmp_path, url), env), url, "an unpinned URL is refused")
    else:
        out = refused(check(team(tmp_path, f"https://user:hunter2@127.0.0.1:{server.port}/base.yaml#sha256={sha(BASE)}"), env),
                      "credentials in a policy URL are refused")
        assert "hunter2" not in out


def test_replay_reads_the_remote_base_from_the_cache(server: PolicyServer, tmp_path: Path, env: dict[str, str]) -> None:
    server.files["/latest.yaml"] = BASE
    url = server.url("/latest.yaml")
    policy = team(tmp_path, url, "allow_unpinned_extends: true\n")  # even unpinned: the record pins it
    record = tmp_path / "record.json"
    assert check(policy, env, "--record", str(record)).returncode == 0
    server.files["/latest.yaml"] = b"version: 1\nfail_on: low\n"  # the server moves on ...
    server.stop()  # ... and goes away
    replayed = run("replay", record, env=env)
    assert replayed.returncode == 0, replayed.stdout + replayed.stderr
    assert len(server.seen) == 1
    (tmp_path / "cache" / "policies" / "sha256" / sha(BASE)).unlink()
    refused(run("replay", record, env=env), url, f"not in the cache ({tmp_path / 'cache'}) with sha256 {sha(BASE)}")


def test_a_remote_base_may_not_name_a_repository_on_this_machine(server: PolicyServer, tmp_path: Path, env: dict[str, str]) -> None:
    base = f"version: 1\nextends: git+file:///srv/secrets.git//x.yaml@{'a' * 40}\n".encode()
    server.files["/base.yaml"] = base
    refused(check(team(tmp_path, f"{server.url('/base.yaml')}#sha256={sha(base)}"), env),
            "may not name a repository on this machine")


def test_a_remote_base_names_data_files_only_by_absolute_path(server: PolicyServer, tmp_path: Path, env: dict[str, str]) -> None:
    base = b"version: 1\ndata:\n  kev: kev.json\n"  # relative to what? not to the team's folder
    server.files["/base.yaml"] = base
    refused(check(team(tmp_path, f"{server.url('/base.yaml')}#sha256={sha(base)}"), env),
            server.url("/base.yaml"), "names data files by absolute path")


def test_explain_and_attestation_name_the_remote_base(server: PolicyServer, tmp_path: Path, env: dict[str, str]) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519

    base = b"version: 1\nfail_on: critical\nrules:\n  - id: central-django\n    match: {package: django}\n    action: warn\n"
    server.files["/base.yaml"] = base
    url = server.url("/base.yaml")
    policy = team(tmp_path, f"{url}#sha256={sha(base)}")
    explained = check(policy, env, "--explain")
    assert f"decided by: rule central-django ({url}:4)" in explained.stdout, explained.stdout
    key = tmp_path / "key.pem"
    key.write_bytes(ed25519.Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    attestation = tmp_path / "vsa.json"
    signed = check(policy, env, "--attest", str(attestation), "--signing-key", str(key), "--resource", "git+https://example.com/app@" + "b" * 40)
    assert signed.returncode == 0, signed.stdout + signed.stderr
    import base64

    statement = json.loads(base64.b64decode(json.loads(attestation.read_text())["payload"]))
    assert statement["predicate"]["policy"]["annotations"]["extends"] == [{"uri": url, "digest": {"sha256": sha(base)}}]


def test_policy_commands_read_remote_bases(server: PolicyServer, tmp_path: Path, env: dict[str, str]) -> None:
    server.files["/base.yaml"] = b"version: 1\nfail_on: critical\nrules:\n  - id: central\n    match: {tool: trivy}\n    fail_on: low\n"
    policy = team(tmp_path, f"{server.url('/base.yaml')}#sha256={sha(server.files['/base.yaml'])}")
    valid = run("policy", "validate", policy, env=env)
    assert valid.returncode == 0 and "valid (1 rules" in valid.stdout, valid.stdout + valid.stderr
    diff = run("policy", "diff", REPORTS.parent.parent / "policies" / "default.yaml", policy, REPORT, env=env)
    assert diff.returncode == 0, diff.stdout + diff.stderr
    assert "41" in diff.stdout


def git(cwd: Path, *args: str) -> str:
    import subprocess

    done = subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "init.defaultBranch=main",
                           *args], cwd=cwd, capture_output=True, text=True, check=True)
    return done.stdout.strip()


@pytest.fixture
def policy_repo(tmp_path: Path) -> tuple[Path, str]:
    """A security team's policy repository: base/v3.yaml extends common.yaml (same commit)."""
    import shutil

    if not shutil.which("git"):
        pytest.skip("the git program is not installed")
    repo = tmp_path / "policies"
    (repo / "base").mkdir(parents=True)
    (repo / "common.yaml").write_text("version: 1\nfail_on: critical\n")
    (repo / "base" / "v3.yaml").write_text("version: 1\nextends: ../common.yaml\nwarn_on: high\n")
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "v3")
    commit = git(repo, "rev-parse", "HEAD")
    (repo / "common.yaml").write_text("version: 1\nfail_on: low\n")  # a later commit loosens nothing we use
    git(repo, "commit", "-qam", "later")
    return repo, commit


def test_git_base_pinned_by_commit_is_inherited_and_works_offline(policy_repo: tuple[Path, str], tmp_path: Path, env: dict[str, str]) -> None:
    repo, commit = policy_repo
    url = f"git+file://{repo}//base/v3.yaml@{commit}"
    record = tmp_path / "record.json"
    result = check(team(tmp_path, url), env, "--record", str(record))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARN" in result.stdout  # warn_on high from base/v3.yaml, fail_on critical from common.yaml at that commit
    files = [f["path"] for f in json.loads(record.read_text())["policy"]["files"]]
    assert files[:2] == [f"git+file://{repo}//common.yaml@{commit}", url]
    repo.rename(tmp_path / "gone")  # the repository is unreachable: the cache has the commit
    offline = check(team(tmp_path, url), env)
    assert offline.returncode == 0, offline.stdout + offline.stderr
    replayed = run("replay", record, env=env)
    assert replayed.returncode == 0, replayed.stdout + replayed.stderr


def test_git_base_errors_name_the_reference(policy_repo: tuple[Path, str], tmp_path: Path, env: dict[str, str]) -> None:
    repo, commit = policy_repo
    missing = "0" * 40
    refused(check(team(tmp_path, f"git+file://{repo}//base/v3.yaml@{missing}"), env), f"git+file://{repo}//base/v3.yaml@{missing}", "git fetch failed")
    refused(check(team(tmp_path, f"git+file://{repo}//nope.yaml@{commit}"), env), f"no file 'nope.yaml' in commit {commit}")
    refused(check(team(tmp_path, f"git+file://{repo}//base/v3.yaml@main"), env), "pinned by a full commit id")
    (repo / "escape.yaml").write_text("version: 1\nextends: ../../outside.yaml\n")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "escape")
    head = git(repo, "rev-parse", "HEAD")
    refused(check(team(tmp_path, f"git+file://{repo}//escape.yaml@{head}"), env), "'../../outside.yaml' leaves the repository")
