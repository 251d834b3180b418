"""The unified-diff parser on diffs git and diff(1) really write, and on broken ones."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from gatekeeper.change import ChangeError, parse_diff
from gatekeeper.change.parse import unquote

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def git(repo: Path, *args: str) -> str:
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.invalid", "HOME": str(repo), "GIT_CONFIG_NOSYSTEM": "1", "PATH": "/usr/bin:/bin"}
    done = subprocess.run(["git", *args], cwd=repo, capture_output=True, env=env, check=True)
    return done.stdout.decode("utf-8", "replace")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """Two commits: a rename with spaces, a delete, a binary, a quoted name, CRLF, no final newline."""
    r = tmp_path / "repo"
    r.mkdir()
    git(r, "init", "-q", "-b", "main")
    (r / "x.py").write_text("a\nb\nc\n")
    (r / "old name.txt").write_text("one\ntwo\nthree\nfour\n")
    (r / "gone.txt").write_text("gone\n")
    (r / "crlf.txt").write_bytes(b"l1\r\nl2\r\n")
    git(r, "add", "-A")
    git(r, "commit", "-qm", "base")
    (r / "x.py").write_text("a\nB\nc\nd")  # no newline at the end
    (r / "old name.txt").rename(r / "new name.txt")
    (r / "new name.txt").write_text("one\ntwo\nthree\nfour\nfive\n")
    (r / "gone.txt").unlink()
    (r / "crlf.txt").write_bytes(b"l1\r\nl2 changed\r\n")
    (r / "caf\u00e9 \"q\".py").write_text("x = 1\n")
    (r / "bin.dat").write_bytes(b"\x00\x01\x02")
    git(r, "add", "-A")
    git(r, "commit", "-qm", "change")
    return r


def by_path(text: str) -> dict[str, object]:
    diff = parse_diff(text, "t.diff")
    return {f.new_path or f.old_path or "": f for f in diff.files}


def test_git_diff_with_renames_deletes_binaries_quotes_and_crlf(repo: Path) -> None:
    files = by_path(git(repo, "diff", "--no-color", "-M", "HEAD~1", "HEAD"))
    assert set(files) == {"x.py", "new name.txt", "gone.txt", "crlf.txt", "caf\u00e9 \"q\".py", "bin.dat"}
    x = files["x.py"]
    assert (x.status, sorted(x.added), x.hunks) == ("modified", [2, 4], ((1, 4),))
    renamed = files["new name.txt"]
    assert (renamed.status, renamed.old_path, sorted(renamed.added)) == ("renamed", "old name.txt", [5])
    assert (files["gone.txt"].status, files["gone.txt"].new_path) == ("deleted", None)
    crlf = files["crlf.txt"]
    assert sorted(crlf.added) == [2] and crlf.lines[-1] == (2, True, "l2 changed")  # the CR is not the line's
    quoted = files["caf\u00e9 \"q\".py"]
    assert (quoted.status, sorted(quoted.added)) == ("added", [1])
    assert files["bin.dat"].binary and files["bin.dat"].status == "added"


def test_a_pure_rename_and_no_prefix(repo: Path) -> None:
    git(repo, "mv", "x.py", "y z.py")
    git(repo, "commit", "-qm", "rename only")
    (f,) = parse_diff(git(repo, "diff", "-M", "HEAD~1", "HEAD"), "t").files
    assert (f.old_path, f.new_path, f.added, f.hunks) == ("x.py", "y z.py", frozenset(), ())
    files = by_path(git(repo, "diff", "--no-prefix", "-M", "HEAD~2", "HEAD~1"))
    assert "x.py" in files and sorted(files["x.py"].added) == [2, 4]


def test_mnemonic_prefixes_and_a_whole_diff_in_crlf(repo: Path) -> None:
    (repo / "x.py").write_text("a\nB\nc\nd\ne\n")
    text = git(repo, "-c", "diff.mnemonicPrefix=true", "diff")  # the index against the working tree
    assert "--- i/x.py" in text and "+++ w/x.py" in text
    assert sorted(by_path(text)["x.py"].added) == [4, 5]
    assert sorted(by_path(text.replace("\n", "\r\n"))["x.py"].added) == [4, 5]


def test_plain_diff_u_with_dates(tmp_path: Path) -> None:
    if shutil.which("diff") is None:
        pytest.skip("diff is not installed")
    (tmp_path / "old.txt").write_text("a\nb\n")
    (tmp_path / "new.txt").write_text("a\nc\nd\n")
    text = subprocess.run(["diff", "-u", "old.txt", "new.txt"], cwd=tmp_path, capture_output=True, text=True).stdout
    (f,) = parse_diff(text, "t").files
    assert (f.old_path, f.new_path, sorted(f.added)) == ("old.txt", "new.txt", [2, 3])


def test_git_format_patch_preamble_is_skipped(repo: Path) -> None:
    text = git(repo, "format-patch", "-1", "--stdout", "HEAD")
    assert text.startswith("From ")
    assert sorted(by_path(text)["x.py"].added) == [2, 4]


def test_empty_diff_touches_nothing() -> None:
    assert parse_diff("", "t").files == ()


def test_unquote_c_escapes() -> None:
    assert unquote('"a\\tb\\\\c\\"d\\303\\251"', "t") == 'a\tb\\c"d\u00e9'
    with pytest.raises(ChangeError, match="unknown escape"):
        unquote('"a\\qb"', "t")


HEAD = "diff --git a/x.py b/x.py\n--- a/x.py\n+++ b/x.py\n"
MALFORMED = [
    ("hello\nworld\n", r"t\.diff: not a unified diff \(no 'diff --git'"),
    (HEAD + "@@ -1,2 +1,2 @@\n a\n", r"t\.diff:5: the diff ends inside a hunk"),
    (HEAD + "@@ -1 +1 @@\n-a\n+b\n+c\n", r"t\.diff:7: not a line of a unified diff: '\+c'"),
    (HEAD + "@@ -1,2 +1,2 @@\n-a\n?b\n", r"t\.diff:6: the hunk of line 4 is cut short or malformed"),
    (HEAD + "@@ bogus @@\n", r"t\.diff:4: not a hunk header"),
    ("diff --git a/x b/x\nsomething odd\n", r"t\.diff:2: not a line of a unified diff: 'something odd'"),
    ('diff --git "a/x b/x\n', r"t\.diff:1: a quoted path without its closing quote"),
    ("--- /dev/null\n+++ /dev/null\n@@ -0,0 +0,0 @@\n", r"t\.diff:3: a file both added and deleted"),
    ("diff --git a/p q b/r s\nindex 1..2\n", r"t\.diff:2: a file whose path cannot be told"),
]


@pytest.mark.parametrize(("text", "message"), MALFORMED, ids=[m[1][:40] for m in MALFORMED])
def test_malformed_diffs_name_the_file_and_line(text: str, message: str) -> None:
    with pytest.raises(ChangeError, match=message):
        parse_diff(text, "t.diff")


def test_the_cli_offers_every_filter() -> None:
    from gatekeeper.change import Filter
    from gatekeeper.cli import DIFF_FILTERS

    assert DIFF_FILTERS == tuple(f.value for f in Filter)


def test_a_copy_leaves_its_source_in_place(repo: Path) -> None:
    (repo / "copy of x.py").write_text((repo / "x.py").read_text() + "e\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "copy")
    text = git(repo, "diff", "-C", "--find-copies-harder", "HEAD~1", "HEAD")
    assert "copy from x.py" in text
    (f,) = parse_diff(text, "t").files
    assert (f.old_path, f.new_path, f.status, sorted(f.added)) == (None, "copy of x.py", "added", [4])  # "d" became "de"
