"""Policies beyond topology/override/apply-once, one module each (pure: what the resource
keeper and the engine ask them)."""
