"""Policy: what the security team decides, loaded from YAML and evaluated purely."""

from gatekeeper.policy.evaluate import evaluate
from gatekeeper.policy.load import PolicyError, load_policy
from gatekeeper.policy.model import Action, Policy

__all__ = ["Action", "Policy", "PolicyError", "evaluate", "load_policy"]
