"""Simulated controllers (placeholder: being filled in by the controllers work)."""

from __future__ import annotations

from typing import Any


class ControllerManager:
    def __init__(self, clusters: list[Any], clock: Any) -> None:
        self.clusters = clusters
        self.clock = clock

    def step(self) -> None:
        pass

    async def run(self, interval: float = 0.5) -> None:
        while True:
            self.step()
            await self.clock.sleep(interval)
