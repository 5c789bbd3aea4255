"""The member clusters the engine deploys to: names, labels (for clusterLabelSelector)
and one ClusterClient each, created on first use and closed together."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from fleettui.engine.render import MemberCluster
from fleettui.kube import ClusterClient, errors

if TYPE_CHECKING:
    from fleettui.config.kubeconfig import KubeConfig

ClientFactory = Callable[[str], ClusterClient]


class Fleet:
    def __init__(self, members: Sequence[MemberCluster], client_factory: ClientFactory, *,
                 prometheus: Mapping[str, str] | None = None) -> None:
        self.members = list(members)
        # cluster -> its Prometheus URL (the fleet file's `prometheus:`): where a
        # check-metrics step measures a canary cluster when it names no metricEndpoint
        self.prometheus: dict[str, str] = dict(prometheus or {})
        self._factory = client_factory
        self._clients: dict[str, ClusterClient] = {}

    @classmethod
    def from_members(cls, kubeconfig: KubeConfig, members: Sequence[tuple[Any, ...]], *,
                     read_only: bool = False, timeout: float = 10.0,
                     prometheus: Mapping[str, str] | None = None) -> Fleet:
        """Members as (cluster name, kubeconfig context, labels[, gateway]), where
        `gateway` is (hub context, the cluster's name at its Cluster Gateway) for a
        member reached through the hub, or None."""
        routes = {m[0]: (m[1], m[3] if len(m) > 3 else None) for m in members}

        def make(name: str) -> ClusterClient:
            context, gateway = routes[name]
            if gateway:
                hub, at_gateway = gateway
                return ClusterClient.via_gateway(kubeconfig, hub_context=hub, cluster=at_gateway,
                                                 read_only=read_only, timeout=timeout)
            return ClusterClient.from_kubeconfig(kubeconfig, context=context, name=name,
                                                 read_only=read_only, timeout=timeout)

        return cls([MemberCluster(m[0], dict(m[2])) for m in members], make, prometheus=prometheus)

    @classmethod
    def from_kubeconfig(cls, kubeconfig: KubeConfig, *, contexts: Sequence[str] | None = None,
                        labels: Mapping[str, Mapping[str, str]] | None = None, read_only: bool = False,
                        timeout: float = 10.0, exclude: Sequence[str] = (),
                        prometheus: Mapping[str, str] | None = None) -> Fleet:
        """Members are the kubeconfig contexts (or `contexts`), minus `exclude` (the hub)."""
        names = list(contexts) if contexts is not None else [c.name for c in kubeconfig.contexts]
        names = [n for n in names if n not in exclude]
        labels = labels or {}
        members = [MemberCluster(n, dict(labels.get(n) or {})) for n in names]

        def make(name: str) -> ClusterClient:
            return ClusterClient.from_kubeconfig(kubeconfig, context=name, read_only=read_only, timeout=timeout)

        return cls(members, make, prometheus=prometheus)

    def names(self) -> list[str]:
        return [m.name for m in self.members]

    def client(self, name: str) -> ClusterClient:
        if name not in self._clients:
            if not any(m.name == name for m in self.members):
                # e.g. garbage to collect on a cluster that has left the kubeconfig
                raise errors.ConfigurationError(f"cluster {name} is not in the fleet (no kubeconfig context)",
                                                cluster=name)
            self._clients[name] = self._factory(name)
        return self._clients[name]

    async def close(self) -> None:
        clients, self._clients = self._clients, {}
        for c in clients.values():
            await c.close()
