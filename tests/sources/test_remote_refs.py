"""``extends`` references to remote policy files: what is accepted, pinned, resolved and refused
(without a network: the tests through a real server are tests/policy/test_remote_extends.py)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from gatekeeper.sources.remote import PolicyCache, PolicyRef, RefError, parse_ref

HEX = "ab" * 32
COMMIT = "cd" * 20


@pytest.mark.parametrize(("text", "url", "sha256", "pinned"), [
    (f"https://policies.example.com/base/v3.yaml#sha256={HEX}", "https://policies.example.com/base/v3.yaml", HEX, True),
    (f"https://policies.example.com/base/v3.yaml#sha256={HEX.upper()}", "https://policies.example.com/base/v3.yaml", HEX, True),
    (f"http://intranet:8080/base.yaml?v=3#sha256={HEX}", "http://intranet:8080/base.yaml?v=3", HEX, True),
    ("https://policies.example.com/latest.yaml", "https://policies.example.com/latest.yaml", None, False),
    (f"git+https://git.example.com/org/policies.git//base/v3.yaml@{COMMIT}",
     f"git+https://git.example.com/org/policies.git//base/v3.yaml@{COMMIT}", None, True),
    (f"git+ssh://git@git.example.com/org/policies.git//base.yaml@{COMMIT}#sha256={HEX}",
     f"git+ssh://git@git.example.com/org/policies.git//base.yaml@{COMMIT}", HEX, True),
])
def test_accepted_references(text: str, url: str, sha256: str | None, pinned: bool) -> None:
    ref = parse_ref(text)
    assert (ref.url, ref.sha256, ref.pinned) == (url, sha256, pinned)


@pytest.mark.parametrize(("text", "message"), [
    ("https://h/base.yaml#sha256=abc", "malformed pin: #sha256= needs 64 hexadecimal digits, got 3 characters"),
    (f"https://h/base.yaml#sha256={HEX}0", "got 65 characters"),
    (f"https://h/base.yaml#sha256={'g' * 64}", "got 64 characters (not all hexadecimal)"),
    ("https://h/base.yaml#sha256=", "got 0 characters"),
    (f"https://h/base.yaml#sha512={HEX}", "unknown pin #sha512="),
    ("http://h/base.yaml", "plain http:// is accepted only with a #sha256= pin"),
    (f"https://user:hunter2@h/base.yaml#sha256={HEX}", "credentials in a policy URL are refused"),
    (f"ftp://h/base.yaml#sha256={HEX}", "unsupported URL scheme 'ftp'"),
    (f"file:///etc/base.yaml#sha256={HEX}", "unsupported URL scheme 'file'"),
    ("https://h/base yaml", "spaces or control characters"),
    ("https://h/base\x1b[31m.yaml", "spaces or control characters"),
    ("git+https://h/org/policies.git//base.yaml@main", "pinned by a full commit id"),
    (f"git+https://h/org/policies.git@{COMMIT}", "git+https://HOST/REPO.git//PATH/FILE.yaml@COMMIT"),
    (f"git+https://h/org/policies.git//../x.yaml@{COMMIT}", "missing or leaves it"),
    (f"git+https://tok:x@h/org/policies.git//x.yaml@{COMMIT}", "credentials in a policy URL are refused"),
])
def test_refused_references(text: str, message: str) -> None:
    with pytest.raises(RefError) as caught:
        parse_ref(text)
    assert message in str(caught.value)
    assert "hunter2" not in str(caught.value) and "\x1b" not in str(caught.value)


def test_relative_references_resolve_against_the_file_naming_them() -> None:
    base = parse_ref(f"https://h/org/base/v3.yaml#sha256={HEX}")
    assert base.resolve(f"../common.yaml#sha256={HEX}") == PolicyRef("https://h/org/common.yaml", HEX)
    assert base.resolve("/top.yaml").url == "https://h/top.yaml"
    assert not base.resolve("sibling.yaml").pinned  # policy.extends refuses it under a pinned base
    assert base.resolve(f"https://other/x.yaml#sha256={HEX}").url == "https://other/x.yaml"
    git = parse_ref(f"git+https://h/org/p.git//base/v3.yaml@{COMMIT}")
    common = git.resolve("../common.yaml")
    assert (common.url, common.repo, common.path, common.commit, common.pinned) == (
        f"git+https://h/org/p.git//common.yaml@{COMMIT}", "https://h/org/p.git", "common.yaml", COMMIT, True)
    with pytest.raises(RefError, match="leaves the repository"):
        git.resolve("../../outside.yaml")


def test_cache_reads_only_what_matches_its_digest(tmp_path: Path) -> None:
    cache = PolicyCache(tmp_path)
    data = b"version: 1\n"
    digest = hashlib.sha256(data).hexdigest()
    assert cache.get(digest) is None
    cache.put(digest, data)
    assert cache.get(digest) == data
    assert [p.name for p in (tmp_path / "policies" / "sha256").iterdir()] == [digest]  # no temporary file left
    (tmp_path / "policies" / "sha256" / digest).write_bytes(b"version: 1\nmode: warn\n")
    assert cache.get(digest) is None
    cache.remember("https://h/latest.yaml", digest)
    assert cache.last("https://h/latest.yaml") is None  # the copy it names is damaged
    cache.put(digest, data)
    assert cache.last("https://h/latest.yaml") == digest
