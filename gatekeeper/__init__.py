"""gatekeeper: a security-gate policy engine for CI/CD pipelines."""

__version__ = "0.1.0"
