"""The gate's summary as one comment on the pull request (GitHub) or merge request (GitLab).

:func:`publish` finds the gate's earlier comment by its hidden marker (every page of the
request's comments), edits it, or posts a new one. ``platforms.py`` finds the pull request
and builds the requests, ``body.py`` writes the comment (both pure), ``client.py`` sends the
requests. A comment that cannot be posted raises :class:`CommentError`; the CLI turns it
into a warning and the verdict's exit code stands.

A marked comment is edited only when the token wrote it: on GitHub a bot's (the Actions
token is ``github-actions[bot]``) or, for another author, the token's own user (``GET
/user``); on GitLab the token's user. Anyone may paste the marker into a comment of their
own; the gate's summary then does not appear under their name (where they could edit it).
"""

from __future__ import annotations

from gatekeeper.pr_comment.body import comment_body, comment_id, marker
from gatekeeper.pr_comment.client import Client
from gatekeeper.pr_comment.platforms import (
    MAX_PAGES,
    CommentError,
    Marked,
    Target,
    create_request,
    list_request,
    marked,
    me,
    next_page,
    target_from_env,
    update_request,
    whoami_request,
)

__all__ = ["CommentError", "Posted", "Target", "comment_id", "marker", "publish", "target_from_env"]


class Posted(str):
    """What was done, for the log: ``updated comment 123 on GitHub pull request #7 of o/r``."""


def publish(markdown: str, name: str, target: Target, timeout: float = 10.0) -> Posted:
    """Post ``markdown`` as the gate ``name``'s comment on ``target`` (this CI run's pull
    request: :func:`target_from_env`), or update the comment an earlier run posted there.
    Raises :class:`CommentError`."""
    mark = marker(name)
    body = comment_body(markdown, mark, target)
    client = Client(target, timeout=timeout)
    try:
        found = _find(client, target, mark)
        if found is not None:
            try:
                client.send(update_request(target, found, body))
                return Posted(f"updated comment {found} on {target.where}")
            except CommentError as e:
                # Deleted since it was listed (a person tidying the conversation): post anew.
                if e.status != 404:
                    raise
        answer, _ = client.send(create_request(target, body), expect=(201, 200))
        note = answer.get("id") if isinstance(answer, dict) else None
        return Posted(f"posted comment {note} on {target.where}" if isinstance(note, int) else f"posted a comment on {target.where}")
    finally:
        client.close()


def _find(client: Client, target: Target, mark: str) -> int | None:
    """The id of the gate's earlier comment that the token's user wrote, or ``None``."""
    candidates: list[Marked] = []
    request = list_request(target)
    for _ in range(MAX_PAGES):
        page, response = client.send(request)
        candidates += marked(target, page, mark)
        url = next_page(target, request.url, response.links, response.headers)
        if url is None:
            break
        request = type(request)("GET", url)
    else:
        raise CommentError(f"{target.where}: more than {MAX_PAGES} pages of comments; the gate's comment was not searched further")
    if not candidates:
        return None
    user = None
    if target.platform == "gitlab" or any(not c.bot for c in candidates):
        try:
            user = me(target, client.send(whoami_request(target))[0])
        except CommentError:
            user = None  # NOTE: the Actions token may not read /user (403): its comments are a bot's
    for c in candidates:
        if (c.bot and target.platform == "github") or (user is not None and c.author == user):
            return c.id
    return None
