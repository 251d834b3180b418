"""Reporters: one module per output format; each turns a ``Verdict`` into text. Pure."""
