"""Environments: one policy file, overlays per environment (``--env NAME`` / ``GATEKEEPER_ENV``).

The overlays of the whole ``extends`` chain are applied after its base settings, so a
baseline's "warn-only in staging" still holds in a team policy that refines the base.
An environment the policy does not define is an error (a typo must not pick the lax base);
a policy that defines no environments at all accepts any name and says so in a notice.
"""

from __future__ import annotations

from gatekeeper.policy.errors import PolicyError
from gatekeeper.policy.layers import Layer, merge


def apply_environment(merged: Layer, env: str | None) -> tuple[Layer, list[str]]:
    """The layer for ``env`` and the notices about it."""
    if not env:
        return merged, []
    if env in merged.environments:
        return merge(merged, merged.environments[env]), []
    if not merged.environments:
        return merged, [f"the policy defines no environments; environment {env!r} uses the base policy"]
    known = ", ".join(sorted(merged.environments))
    raise PolicyError(f"{merged.source}: environment {env!r} is not defined in the policy (defined: {known})")
