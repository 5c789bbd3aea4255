"""A batched deploy step: its placements in waves. Each pass walks the waves in order;
a wave is applied only once the previous one is healthy (healthCheck), so a wave that
never turns healthy is where the rollout stops — and past its progressDeadline the
step fails, naming the wave and the waves never deployed. With pauseAfterFirst the
step suspends once the first wave is healthy, until `workflow resume`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING

from fleettui.engine.placement.waves import Batches, plan_waves
from fleettui.engine.workflow import DeployOutcome

if TYPE_CHECKING:
    from fleettui.engine.render import Placement

WaveFn = Callable[[list["Placement"], bool], Awaitable[DeployOutcome]]  # (placements, wait for health)
StartedFn = Callable[[list[str]], Awaitable[float | None]]  # when the wave's first cluster was applied


def _names(wave: list[str]) -> str:
    return ", ".join(wave[:4]) + (f" +{len(wave) - 4}" if len(wave) > 4 else "")


async def run_waves(deploy: WaveFn, placements: list[Placement], b: Batches,
                    labels: Mapping[str, Mapping[str, str]], *, gate_passed: bool, wave_started: StartedFn,
                    now: float) -> DeployOutcome:
    by_cluster = {pl.cluster: pl for pl in placements}
    plan = plan_waves(list(by_cluster), labels, b)
    n = len(plan)
    for i, wave in enumerate(plan):
        label = f"wave {i + 1}/{n} ({_names(wave)})"
        if i == 1 and b.pause_after_first and not gate_passed:
            return DeployOutcome(suspend=True, message=f"wave 1/{n} ({_names(plan[0])}) is healthy; "
                                                       f"resume to deploy wave 2/{n} ({_names(wave)})")
        out = await deploy([by_cluster[c] for c in wave], b.health_check)
        rest = f"; wave(s) {i + 2}-{n} not deployed" if i + 1 < n else ""
        if out.failed:
            return DeployOutcome(failed=True, message=f"{label}: {out.message}{rest}", reason=out.reason)
        if out.done:
            continue
        started = await wave_started(wave)
        if b.health_check and started is not None and now - started > b.progress_deadline \
                and out.message.startswith("waiting for healthy"):
            return DeployOutcome(failed=True, reason="WaveUnhealthy",
                                 message=f"{label} not healthy {now - started:.0f}s after it was applied "
                                         f"(progressDeadline {b.progress_deadline:.0f}s): "
                                         f"{out.message.removeprefix('waiting for healthy: ')}{rest}")
        return DeployOutcome(message=f"{label}: {out.message}")
    return DeployOutcome(done=True, message=f"{n} wave(s) deployed and healthy")
