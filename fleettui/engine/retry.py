"""How long and how often a deploy step retries a cluster that does not answer.

A real outage (a data centre link down, a control plane upgrade) lasts minutes, so
the step keeps trying over a window (default 5 minutes) with capped exponential
backoff and full jitter (the kube layer's), instead of ten tries a second apart.
Each try and its wait are said out loud — on stderr for a command, in the step's
message for the dashboard — and the operator can give up (`workflow terminate`) or
carry on without the cluster (`workflow skip-cluster`).

The policy takes the engine's clock, so tests run it on a simulated clock with
short settings instead of waiting minutes.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from fleettui.kube.backoff import full_jitter

DEFAULT_WINDOW = 300.0


@dataclass(frozen=True)
class RetryPolicy:
    window: float = DEFAULT_WINDOW  # give up this long after the first failure (0: never retry)
    base: float = 2.0  # the first wait is drawn from [0, base]
    cap: float = 60.0  # no wait longer than this
    rng: random.Random | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if self.window < 0 or self.base <= 0 or self.cap < self.base:
            raise ValueError("retry policy needs window >= 0, base > 0, cap >= base")

    def delay(self, attempt: int) -> float:
        """The wait after failed attempt number `attempt` (1-based)."""
        return full_jitter(attempt - 1, base=self.base, cap=self.cap, rng=self.rng)


@dataclass
class ClusterRetry:
    """One cluster's retries within one deploy step."""

    first_failure: float
    attempts: int = 0
    next_at: float = 0.0
    reason: str = ""

    def line(self, cluster: str, now: float) -> str:
        wait = max(0.0, self.next_at - now)
        return f"retrying {cluster} (attempt {self.attempts}, next in {wait:.0f}s): {self.reason}"


def record_failure(state: ClusterRetry | None, policy: RetryPolicy, *, now: float,
                   reason: str) -> tuple[ClusterRetry, bool]:
    """Count one more failed attempt; (state, gave_up)."""
    st = state or ClusterRetry(first_failure=now)
    st.attempts += 1
    st.reason = reason
    if now - st.first_failure >= policy.window:
        return st, True
    st.next_at = now + policy.delay(st.attempts)
    return st, False
