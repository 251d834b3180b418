"""Policy files in git repositories, pinned by commit: the ``git`` program fetches the one
commit into a bare repository in the cache and reads the file from it; a commit already there
is read without the network."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from gatekeeper.sources.remote.interface import MAX_BYTES, RemotePolicyError
from gatekeeper.sources.remote.refs import PolicyRef, shown

GIT_TIMEOUT = 120.0


def read_git(ref: PolicyRef, root: Path, offline: bool) -> bytes:
    """The file at ``ref.path`` in ``ref.commit`` of ``ref.repo``, through a bare repository
    in the cache (``git/SHA256-OF-REPO-URL.git``), fetching the commit only when absent."""
    import subprocess

    assert ref.repo is not None and ref.commit is not None
    store = root / (hashlib.sha256(ref.repo.encode()).hexdigest()[:32] + ".git")
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "", "SSH_ASKPASS": "",
           "GIT_CONFIG_NOSYSTEM": "1", "LC_ALL": "C"}

    def git(*args: str, check: bool = True) -> subprocess.CompletedProcess[bytes]:
        try:
            done = subprocess.run(["git", f"--git-dir={store}", *args], capture_output=True, env=env,
                                  timeout=GIT_TIMEOUT, check=False)
        except FileNotFoundError:
            raise RemotePolicyError(f"{ref.url}: the git program is not installed") from None
        except subprocess.TimeoutExpired:
            raise RemotePolicyError(f"{ref.url}: git took longer than {GIT_TIMEOUT:g}s") from None
        if check and done.returncode != 0:
            said = done.stderr.decode("utf-8", "replace").strip().splitlines()
            raise RemotePolicyError(f"{ref.url}: git {args[0]} failed: {shown(said[-1] if said else 'no message')}")
        return done

    have = store.is_dir() and git("cat-file", "-e", f"{ref.commit}^{{commit}}", check=False).returncode == 0
    if not have:
        if offline:
            raise RemotePolicyError(f"{ref.url}: commit {ref.commit} is not in the cache ({store}), and the server "
                                    "is not contacted here")
        if not store.is_dir():
            try:
                store.parent.mkdir(parents=True, exist_ok=True)
            except OSError as e:
                raise RemotePolicyError(f"{ref.url}: cannot create the cache {store.parent}: {e.strerror or e}") from None
            git("init", "--bare", "--quiet")
        # NOTE: ``--`` ends the options: a repository URL can never be read as one.
        git("fetch", "--quiet", "--depth=1", "--no-tags", "--", ref.repo, ref.commit)
        if git("cat-file", "-e", f"{ref.commit}^{{commit}}", check=False).returncode != 0:
            raise RemotePolicyError(f"{ref.url}: the repository has no commit {ref.commit}")
    kind = git("cat-file", "-t", f"{ref.commit}:{ref.path}", check=False)
    if kind.returncode != 0 or kind.stdout.strip() != b"blob":
        raise RemotePolicyError(f"{ref.url}: no file '{shown(ref.path)}' in commit {ref.commit}")
    size = int(git("cat-file", "-s", f"{ref.commit}:{ref.path}").stdout.strip() or 0)
    if size > MAX_BYTES:
        raise RemotePolicyError(f"{ref.url}: the file has {size} bytes; a policy file may have at most {MAX_BYTES}")
    return git("cat-file", "blob", f"{ref.commit}:{ref.path}").stdout
