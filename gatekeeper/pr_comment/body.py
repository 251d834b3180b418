"""What the pull-request comment says. Pure.

The comment carries a hidden marker on its first line (:func:`marker`) by which a later run
finds it again and edits it, then the Markdown summary, then a line naming the commit::

    <!-- gatekeeper:pr-comment:built%2Din%20default -->
    ## ❌ gatekeeper: failed
    ...
    <sub>gatekeeper 0.1.0 · commit 0123456789ab · [CI run](https://github.com/o/r/actions/runs/1)</sub>
"""

from __future__ import annotations

from urllib.parse import quote

from gatekeeper import __version__
from gatekeeper.pr_comment.platforms import Target


def comment_id(policy_name: str, environment: str | None) -> str:
    """The default id of a gate's comment: its policy's name and environment, so that two
    gates of one pull request (staging and prod, or two policies) keep a comment each."""
    return f"{policy_name}/{environment}" if environment else policy_name


def marker(name: str) -> str:
    """The hidden first line that finds a gate's comment again. The id is percent-encoded
    (``-`` too), so no text of it can end the HTML comment or start another line."""
    encoded = quote(name, safe="").replace("-", "%2D").replace(".", "%2E")
    return f"<!-- gatekeeper:pr-comment:{encoded} -->"


def comment_body(markdown: str, mark: str, target: Target) -> str:
    """The comment: the marker, the Markdown summary, and a line naming the commit and the CI
    run. Longer than the platform takes, the summary is cut at a line boundary and a note
    points to the full report."""
    footer = _footer(target)
    text = f"{mark}\n{markdown.rstrip()}\n{footer}"
    if _size(text) <= target.limit:
        return text
    where = f"[the CI run]({target.full_report})" if target.full_report else "the CI run's reports"
    platform = "GitHub" if target.platform == "github" else "GitLab"
    note = (f"\n\n---\n\n**This summary is cut: it is longer than a {platform} comment may be.** "
            f"The full report: {where}.\n")
    room = target.limit - _size(note) - _size(footer) - _size("\n\n</details>") - _size(mark) - 1
    kept: list[str] = []
    used = 0
    for line in markdown.split("\n"):
        cost = _size(line) + 1
        if used + cost > room:
            break
        kept.append(line)
        used += cost
    body = "\n".join(kept).rstrip()
    # A <details> block left open would hide the note inside it.
    if body.count("<details>") > body.count("</details>"):
        body += "\n\n</details>"
    return f"{mark}\n{body}{note}{footer}"


def _footer(target: Target) -> str:
    """``<sub>gatekeeper 0.1.0 · commit 0123abc · [CI run](URL)</sub>``: which push the
    comment speaks of, since it is edited in place. Only checked values (hex, a plain URL)."""
    parts = [f"gatekeeper {__version__}"]
    if target.commit:
        parts.append(f"commit {target.commit[:12]}")
    if target.full_report:
        parts.append(f"[CI run]({target.full_report})")
    return f"\n<sub>{' · '.join(parts)}</sub>\n"


def _size(text: str) -> int:
    """Length as the platforms may count it: UTF-16 code units (an emoji outside the Basic
    Multilingual Plane is two), never fewer than Python's characters."""
    return len(text) + sum(1 for c in text if ord(c) > 0xFFFF) if not text.isascii() else len(text)
