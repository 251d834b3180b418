"""The change's bytes: a diff file, standard input, or ``git diff`` against a base ref.

``--diff-base REF`` asks git, in the current directory, for the merge base of ``REF`` and
``HEAD`` and the diff between them, as a pull request shows it::

    git merge-base REF HEAD
    git diff --no-color --no-ext-diff --no-textconv --no-relative -M --src-prefix=a/ --dst-prefix=b/ BASE HEAD

NOTE: the prefixes, ``--no-relative`` and ``--no-textconv`` are explicit so a user's
configuration (``diff.noprefix``, ``diff.mnemonicPrefix``, ``diff.relative``, textconv
drivers, an external diff tool) cannot change what the parser reads. CI checkouts are often
shallow (``actions/checkout`` fetches one commit by default): the merge base is then missing,
and the error says to fetch the history.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from typing import BinaryIO, NamedTuple

from gatekeeper.sources.files import STDIN, SourceError, _read_bytes

_TIMEOUT = 300.0


class DiffText(NamedTuple):
    """A diff's text and what it is against."""

    text: str
    source: str
    """Where it came from, for messages (``pr.diff``, ``<stdin>``, ``git diff 3f2a1c9 HEAD``)."""
    base_ref: str | None = None
    merge_base: str | None = None
    root: str | None = None
    """The repository's top folder (``--diff-base``), where absolute paths are made relative."""
    sha256: str | None = None
    """The SHA-256 of the diff's bytes (for decision records)."""


def _decode(data: bytes) -> str:
    # NOTE: a diff holds files in any encoding; an undecodable byte only matters in a line's
    # text (dependency names), never in where a line is.
    return data.decode("utf-8", "replace")


def read_diff(name: str, stdin: BinaryIO | None = None) -> DiffText:
    """The diff in file ``name`` (``-``: standard input), within the report size limit."""
    source = "<stdin>" if name == STDIN else name
    data = _read_bytes(name, stdin)
    return DiffText(_decode(data), source, sha256=hashlib.sha256(data).hexdigest())


def _git(args: list[str], cwd: str | None) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C", "GIT_PAGER": "cat"}
    try:
        return subprocess.run(["git", *args], cwd=cwd, capture_output=True, timeout=_TIMEOUT, env=env, check=False)
    except FileNotFoundError:
        raise SourceError("--diff-base needs git, which is not installed (or not on PATH): install git, or pass the diff with --diff FILE") from None
    except subprocess.TimeoutExpired:
        raise SourceError(f"git {args[0]} took more than {_TIMEOUT:g} seconds; the gate was not evaluated") from None
    except OSError as e:
        raise SourceError(f"cannot run git: {e.strerror or e}") from None


def _said(done: subprocess.CompletedProcess[bytes]) -> str:
    text = done.stderr.decode("utf-8", "replace").strip().splitlines()
    return text[-1] if text else f"exit {done.returncode}"


def git_diff(ref: str, cwd: str | None = None) -> DiffText:
    """The diff of ``HEAD`` against its merge base with ``ref``, or a ``SourceError`` saying
    why not and how to fix it."""
    if not ref or ref.startswith("-"):
        raise SourceError(f"--diff-base: {ref!r} is not a ref (a branch, tag or commit)")
    top = _git(["rev-parse", "--show-toplevel"], cwd)
    if top.returncode != 0:
        raise SourceError(f"--diff-base needs a git repository: {_said(top)}; run the gate in the checkout, or pass --diff FILE")
    root = top.stdout.decode("utf-8", "replace").strip()
    shallow = _git(["rev-parse", "--is-shallow-repository"], cwd).stdout.strip() == b"true"
    fetch = "fetch the history (actions/checkout: fetch-depth: 0; GitLab: GIT_DEPTH: 0; or git fetch --unshallow)"
    if _git(["rev-parse", "--verify", "--quiet", "HEAD^{commit}"], cwd).returncode != 0:
        raise SourceError("--diff-base: the repository has no HEAD commit to judge")
    if _git(["rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}"], cwd).returncode != 0:
        hint = f"fetch it (git fetch origin {ref.removeprefix('origin/')}; actions/checkout: fetch-depth: 0)"
        raise SourceError(f"--diff-base: unknown ref {ref!r} in {root}: {hint}")
    base = _git(["merge-base", "--end-of-options", ref, "HEAD"], cwd)
    if base.returncode != 0 or not base.stdout.strip():
        if shallow:
            raise SourceError(f"--diff-base: this is a shallow clone and the merge base of HEAD and {ref} is not in it: {fetch}")
        raise SourceError(f"--diff-base: HEAD and {ref} have no common history (git merge-base: {_said(base)})")
    merge_base = base.stdout.decode("ascii", "replace").strip()
    args = ["diff", "--no-color", "--no-ext-diff", "--no-textconv", "--no-relative", "-M",
            "--src-prefix=a/", "--dst-prefix=b/", merge_base, "HEAD", "--"]
    done = _git(args, cwd)
    if done.returncode != 0:
        raise SourceError(f"--diff-base: git diff {merge_base[:12]} HEAD failed: {_said(done)}")
    return DiffText(_decode(done.stdout), f"git diff {merge_base[:12]} HEAD", ref, merge_base, root,
                    hashlib.sha256(done.stdout).hexdigest())
