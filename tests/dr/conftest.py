"""DR tests reuse the engine fixtures (a local hub on the simulator) for the drill."""

from engine.conftest import fleet, hub, store  # noqa: F401
