"""Repository paths from the paths reports give: one rule for every output and the change.

Scanners name files as they saw them: relative (``app/x.py``, ``./app/x.py``), absolute
under the checkout (``/home/runner/work/repo/repo/app/x.py``), or absolute inside the
container they ran in (``/workspace/app/x.py``). SARIF, workflow annotations and the
pull-request change (``gatekeeper/change/``) all want the repository path, made here.
"""

from __future__ import annotations

CONTAINER_ROOTS = ("/workspace/", "/github/workspace/", "/src/")
"""Where scanners commonly see the checkout inside a container: ``gatekeeper scan`` mounts it
at ``/workspace``, GitHub's container actions at ``/github/workspace``, semgrep's and many
scanners' documented ``docker run -v "$PWD:/src"`` at ``/src``."""


def relative(path: str, root: str | None = None) -> str:
    """``path`` relative to the checkout ``root``, without a leading ``./`` or ``/``."""
    path = path.replace("\\", "/")
    if root:
        base = root.replace("\\", "/").rstrip("/") + "/"
        if path.startswith(base):
            path = path[len(base) :]
    # NOTE: resolve "." and ".." inside the path, and drop any ".." that would climb
    # above the repository root: a report's path is attacker-controlled text, and a
    # consumer resolving "../../etc/passwd" against the checkout must stay inside it.
    parts: list[str] = []
    for part in path.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if parts:
                parts.pop()
            continue
        parts.append(part)
    return "/".join(parts) or "."


def repository_path(path: str, root: str | None = None) -> tuple[str, bool]:
    """The repository path of a report's ``path``, and whether it is certain: a path
    absolute outside ``root`` and every container root is only a guess (its tail)."""
    text = path.replace("\\", "/")
    if root and text.startswith(root.replace("\\", "/").rstrip("/") + "/"):
        return relative(text, root), True
    if text.startswith("/"):
        for prefix in CONTAINER_ROOTS:
            if text.startswith(prefix):
                return relative(text[len(prefix) :]), True
        return relative(text), False
    return relative(text), True
