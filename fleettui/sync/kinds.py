"""The registry of kinds the sync keeps in the store.

Each kind is one `KindSpec`: which API to list and watch and how to summarize
an object. Later issues add theirs (ServiceExport, PrometheusRule,
Applications) with `register_kind`, and every cluster's informers pick them up;
nothing else in the sync changes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from fleettui.sync import summaries, summaries_mcs


@dataclass(frozen=True)
class KindSpec:
    kind: str
    api_version: str
    summarize: Callable[[Mapping[str, Any]], dict[str, Any] | None]
    # synced unless a caller picks kinds explicitly
    default: bool = True
    # a cluster that does not serve this API (CRD not installed) is not an error
    optional: bool = False
    # list page size (limit/continue), so a huge kind never arrives as one response
    page_size: int = 500
    # a server-side filter for what `summarize` keeps anyway (less to send and parse);
    # a server that rejects it (400) is asked again without it
    field_selector: str | None = None
    # further apiVersions to try, in order, when a cluster does not serve `api_version`
    # (a CRD that moved from v1alpha1 to v1beta1 is served as either, depending on its release)
    fallback_api_versions: tuple[str, ...] = ()


_REGISTRY: dict[str, KindSpec] = {}


def register_kind(spec: KindSpec) -> KindSpec:
    """Add (or replace) a kind; returns it so it can be used as a module constant."""
    _REGISTRY[spec.kind] = spec
    return spec


def kind_spec(kind: str) -> KindSpec:
    try:
        return _REGISTRY[kind]
    except KeyError:
        raise KeyError(f"unknown kind {kind!r}; registered: {', '.join(sorted(_REGISTRY))}") from None


def default_kinds() -> list[KindSpec]:
    return [k for k in _REGISTRY.values() if k.default]


for _kind, _api in (
    ("Namespace", "v1"),
    ("Node", "v1"),
    ("Deployment", "apps/v1"),
    ("StatefulSet", "apps/v1"),
    ("DaemonSet", "apps/v1"),
    ("Pod", "v1"),
    ("Service", "v1"),
):
    register_kind(KindSpec(_kind, _api, summaries.SUMMARIZERS[_kind]))
# Normal events are most of the event volume and none of the signal: the API
# server filters them out (core/v1 events support the `type` field selector).
register_kind(KindSpec("Event", "v1", summaries.SUMMARIZERS["Event"], field_selector="type=Warning"))

# Multi-cluster Services (MCS API): optional, as only clusters in a clusterset serve them.
# EndpointSlices are kept only when they carry the multi-cluster source label.
_MCS = "multicluster.x-k8s.io"
register_kind(KindSpec("ServiceExport", f"{_MCS}/v1alpha1", summaries_mcs.summarize_service_export,
                       optional=True, fallback_api_versions=(f"{_MCS}/v1beta1",)))
register_kind(KindSpec("ServiceImport", f"{_MCS}/v1alpha1", summaries_mcs.summarize_service_import,
                       optional=True, fallback_api_versions=(f"{_MCS}/v1beta1",)))
register_kind(KindSpec("EndpointSlice", "discovery.k8s.io/v1", summaries_mcs.summarize_endpoint_slice))
