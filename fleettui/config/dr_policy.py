"""The fleet file's disaster-recovery sections: `resilience:` (what a tier-1
application must survive) and `traffic:` (global traffic entries, GTM-style).

Parsed here, where the rest of the fleet file is validated, so a typo is a
`path:line:` error at load time rather than a surprise in a what-if. Both are
the terminal's model of the fleet: nothing here calls a cloud API.

    resilience:
      tier1: [shop/orders-api, "payments/*", {selector: tier=critical}]
      survive: {replicas: 2}          # or {fraction: 0.5} of the desired replicas
      domains: [cluster, zone, region]
    traffic:
      - domain: shop.example.com
        pools:
          - {name: hz, cluster: ack-hangzhou-a, service: shop/frontend, priority: 1, weight: 100}
          - {name: sh, cluster: ack-shanghai-a, ingress: shop/frontend, priority: 2}
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

DOMAIN_KINDS: tuple[str, ...] = ("cluster", "zone", "region")
_RESILIENCE_KEYS = {"tier1", "survive", "domains"}
_TRAFFIC_KEYS = {"domain", "pools"}
_POOL_KEYS = {"name", "cluster", "service", "ingress", "weight", "priority"}
_NS_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?/[a-z0-9]([-.a-z0-9]*[a-z0-9])?$")


class PolicyError(Exception):
    """A problem in one of these sections; `key` is its path, for the line number."""

    def __init__(self, message: str, *key: str) -> None:
        super().__init__(message)
        self.message = message
        self.key = key


@dataclass(frozen=True)
class AppMatcher:
    """One `tier1` entry: `ns/name` or `name` (fnmatch globs), or a label selector
    on the Application's labels (checked where selectors are parsed, in `dr`)."""

    pattern: str | None = None
    selector: str | None = None


@dataclass(frozen=True)
class ResiliencePolicy:
    # None: no `tier1` key, so every application is tier-1 (a CI gate that checks
    # nothing by default would be worse than one that is strict by default)
    tier1: tuple[AppMatcher, ...] | None = None
    survive_replicas: int | None = None
    survive_fraction: float | None = None
    domains: tuple[str, ...] = DOMAIN_KINDS

    def needed(self, desired: int) -> int:
        """Healthy replicas an application of `desired` replicas must keep to survive."""
        if self.survive_fraction is not None:
            import math

            return max(1, math.ceil(self.survive_fraction * desired - 1e-9))
        return self.survive_replicas if self.survive_replicas is not None else 1

    def describe(self) -> str:
        if self.survive_fraction is not None:
            return f"{self.survive_fraction:g} of desired replicas healthy"
        return f"{self.needed(0)} healthy replica{'s' if self.needed(0) != 1 else ''}"


@dataclass(frozen=True)
class TrafficPool:
    name: str
    cluster: str
    namespace: str
    target: str  # the Service's or Ingress's name
    kind: str  # Service | Ingress
    weight: int = 100
    priority: int = 1


@dataclass(frozen=True)
class TrafficEntry:
    domain: str
    pools: tuple[TrafficPool, ...] = field(default_factory=tuple)


def parse_resilience(raw: Any) -> ResiliencePolicy:
    if raw is None:
        return ResiliencePolicy()
    if not isinstance(raw, dict):
        raise PolicyError("'resilience' must be a mapping (tier1, survive, domains)")
    unknown = sorted(set(map(str, raw)) - _RESILIENCE_KEYS)
    if unknown:
        raise PolicyError(f"resilience: unknown key {unknown[0]!r} (allowed: domains, survive, tier1)", unknown[0])
    tier1: tuple[AppMatcher, ...] | None = None
    if "tier1" in raw:
        items = raw["tier1"] or []
        if not isinstance(items, list):
            raise PolicyError("resilience.tier1 must be a list of applications or {selector: ...}", "tier1")
        matchers = []
        for i, item in enumerate(items):
            if isinstance(item, str) and item.strip():
                matchers.append(AppMatcher(pattern=item.strip()))
            elif isinstance(item, dict) and set(item) == {"selector"} and isinstance(item["selector"], str) \
                    and item["selector"].strip():
                matchers.append(AppMatcher(selector=item["selector"].strip()))
            else:
                raise PolicyError(f"resilience.tier1[{i}]: expected 'namespace/name', 'name' or "
                                  f"{{selector: 'key=value'}}, got {item!r}", "tier1")
        tier1 = tuple(matchers)
    replicas = fraction = None
    survive = raw.get("survive")
    if survive is not None:
        if not isinstance(survive, dict) or len(survive) != 1 or not set(survive) <= {"replicas", "fraction"}:
            raise PolicyError("resilience.survive must be {replicas: N} or {fraction: 0.5}", "survive")
        if "replicas" in survive:
            replicas = survive["replicas"]
            if isinstance(replicas, bool) or not isinstance(replicas, int) or replicas < 1:
                raise PolicyError(f"resilience.survive.replicas must be an integer >= 1, got {replicas!r}",
                                  "survive", "replicas")
        else:
            fraction = survive["fraction"]
            if isinstance(fraction, bool) or not isinstance(fraction, int | float) or not 0 < fraction <= 1:
                raise PolicyError(f"resilience.survive.fraction must be a number in (0, 1], got {fraction!r}",
                                  "survive", "fraction")
            fraction = float(fraction)
    domains = DOMAIN_KINDS
    if "domains" in raw:
        d = raw["domains"]
        if not isinstance(d, list) or not d or any(x not in DOMAIN_KINDS for x in d):
            raise PolicyError(f"resilience.domains must be a non-empty list of {', '.join(DOMAIN_KINDS)}, "
                              f"got {d!r}", "domains")
        domains = tuple(k for k in DOMAIN_KINDS if k in d)
    return ResiliencePolicy(tier1=tier1, survive_replicas=replicas, survive_fraction=fraction, domains=domains)


def _positive_int(value: Any, what: str, *key: str, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise PolicyError(f"{what} must be an integer >= {minimum}, got {value!r}", *key)
    return value


def _parse_pool(i: int, j: int, raw: Any) -> TrafficPool:
    where = f"traffic[{i}].pools[{j}]"
    if not isinstance(raw, dict):
        raise PolicyError(f"{where} must be a mapping (name, cluster, service|ingress, weight, priority)")
    unknown = sorted(set(map(str, raw)) - _POOL_KEYS)
    if unknown:
        raise PolicyError(f"{where}: unknown key {unknown[0]!r} (allowed: {', '.join(sorted(_POOL_KEYS))})")
    cluster = raw.get("cluster")
    if not isinstance(cluster, str) or not cluster.strip():
        raise PolicyError(f"{where}: 'cluster' must name a member cluster")
    targets = [k for k in ("service", "ingress") if k in raw]
    if len(targets) != 1:
        raise PolicyError(f"{where}: give exactly one of 'service' or 'ingress' (namespace/name)")
    ref = raw[targets[0]]
    if not isinstance(ref, str) or not _NS_NAME.match(ref):
        raise PolicyError(f"{where}: {targets[0]} must be 'namespace/name', got {ref!r}")
    ns, name = ref.split("/", 1)
    pool_name = raw.get("name", cluster)
    if not isinstance(pool_name, str) or not pool_name.strip():
        raise PolicyError(f"{where}: 'name' must be a non-empty string")
    return TrafficPool(name=pool_name.strip(), cluster=cluster.strip(), namespace=ns, target=name,
                       kind="Service" if targets[0] == "service" else "Ingress",
                       weight=_positive_int(raw.get("weight", 100), f"{where}.weight"),
                       priority=_positive_int(raw.get("priority", 1), f"{where}.priority", minimum=1))


def parse_traffic(raw: Any) -> tuple[TrafficEntry, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise PolicyError("'traffic' must be a list of {domain, pools}")
    entries: list[TrafficEntry] = []
    seen: set[str] = set()
    for i, item in enumerate(raw):
        if not isinstance(item, dict):
            raise PolicyError(f"traffic[{i}] must be a mapping with 'domain' and 'pools'")
        unknown = sorted(set(map(str, item)) - _TRAFFIC_KEYS)
        if unknown:
            raise PolicyError(f"traffic[{i}]: unknown key {unknown[0]!r} (allowed: domain, pools)")
        domain = item.get("domain")
        if not isinstance(domain, str) or not domain.strip():
            raise PolicyError(f"traffic[{i}]: 'domain' must be a DNS name")
        if domain in seen:
            raise PolicyError(f"traffic[{i}]: domain {domain!r} is declared twice")
        seen.add(domain)
        pools = item.get("pools")
        if not isinstance(pools, list) or not pools:
            raise PolicyError(f"traffic[{i}] ({domain}): 'pools' must be a non-empty list")
        parsed = tuple(_parse_pool(i, j, p) for j, p in enumerate(pools))
        names = [p.name for p in parsed]
        if len(set(names)) != len(names):
            raise PolicyError(f"traffic[{i}] ({domain}): pool names must be unique (name defaults to the cluster)")
        entries.append(TrafficEntry(domain=domain.strip(), pools=parsed))
    return tuple(entries)
