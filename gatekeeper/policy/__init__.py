"""Policy: what the security team decides, loaded from YAML and evaluated purely.

``load_policy`` / ``resolve_policy`` read a policy file (with ``extends`` and environments)
into a frozen ``Policy``; ``evaluate`` decides reports with it. The format is documented in
docs/policy.md and ``schema.json``.
"""

from gatekeeper.policy.errors import PolicyError
from gatekeeper.policy.evaluate import evaluate
from gatekeeper.policy.load import load_policy, resolve_policy
from gatekeeper.policy.model import Action, Policy

__all__ = ["Action", "Policy", "PolicyError", "evaluate", "load_policy", "resolve_policy"]
