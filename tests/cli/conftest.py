"""Fixtures of the command-level tests. `unprivileged` is the store's (its permission
checks run the same way); re-exported here so the cache refusals can be driven through
the command."""

from store.conftest import Unprivileged, unprivileged  # noqa: F401

