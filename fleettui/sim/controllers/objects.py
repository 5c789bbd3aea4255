"""Small pure helpers over Kubernetes object dicts, shared by the controllers.

Kept free of any cluster or clock so each can be tested with fixtures.
"""

from __future__ import annotations

import hashlib
import json
import math
from typing import Any

# rand.SafeEncodeString's alphabet: no vowels (no words), no confusable 0/1/3.
_SAFE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"


def meta(obj: dict) -> dict:
    return obj.get("metadata") or {}


def owner_ref(owner: dict) -> dict:
    """The ownerReference a built-in controller writes on what it creates."""
    m = meta(owner)
    return {
        "apiVersion": owner.get("apiVersion", ""),
        "kind": owner.get("kind", ""),
        "name": m.get("name", ""),
        "uid": m.get("uid", ""),
        "controller": True,
        "blockOwnerDeletion": True,
    }


def controller_ref(obj: dict) -> dict | None:
    for ref in meta(obj).get("ownerReferences") or ():
        if ref.get("controller"):
            return ref
    return None


def safe_hash(value: Any, length: int = 10) -> str:
    """A stable short hash spelled like the pod-template-hash of real controllers."""
    digest = hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).digest()
    n = int.from_bytes(digest[:8], "big")
    out = []
    for _ in range(length):
        n, r = divmod(n, len(_SAFE_ALPHABET))
        out.append(_SAFE_ALPHABET[r])
    return "".join(out)


def unit_jitter(seed: str) -> float:
    """A deterministic number in [0, 1) derived from `seed` (uid): timing spread without RNG state."""
    return int(hashlib.md5(seed.encode()).hexdigest()[:8], 16) / 0x100000000


def deep(value: Any) -> Any:
    """Deep copy of JSON-shaped data (several times faster than copy.deepcopy)."""
    t = type(value)
    if t is dict:
        return {k: deep(v) for k, v in value.items()}
    if t is list:
        return [deep(v) for v in value]
    return value


# -- label selectors ---------------------------------------------------------


def selector_matches(selector: dict | None, labels: dict | None) -> bool:
    """metav1.LabelSelector semantics: an empty selector matches everything."""
    if not selector:
        return True
    labels = labels or {}
    for k, v in (selector.get("matchLabels") or {}).items():
        if labels.get(k) != v:
            return False
    for expr in selector.get("matchExpressions") or ():
        if not _expression_matches(expr, labels):
            return False
    return True


def _expression_matches(expr: dict, labels: dict) -> bool:
    key, op, values = expr.get("key"), expr.get("operator"), expr.get("values") or []
    if op == "In":
        return key in labels and labels[key] in values
    if op == "NotIn":
        return key not in labels or labels[key] not in values
    if op == "Exists":
        return key in labels
    if op == "DoesNotExist":
        return key not in labels
    return False


def map_selector_matches(selector: dict | None, labels: dict | None) -> bool:
    """A Service's plain map selector; an empty one selects nothing (no endpoints managed)."""
    if not selector:
        return False
    labels = labels or {}
    return all(labels.get(k) == v for k, v in selector.items())


# -- quantities --------------------------------------------------------------

_BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
_DECIMAL = {"n": 1e-9, "u": 1e-6, "m": 1e-3, "": 1, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15, "E": 1e18}


def parse_quantity(q: Any) -> float:
    """resource.Quantity to a float in base units ("250m" -> 0.25, "1Gi" -> 1073741824)."""
    if q is None:
        return 0.0
    if isinstance(q, int | float):
        return float(q)
    s = str(q).strip()
    for suffix, mult in _BINARY.items():
        if s.endswith(suffix):
            return float(s[: -len(suffix)]) * mult
    if s and s[-1] in _DECIMAL and not s[-1].isdigit():
        return float(s[:-1]) * _DECIMAL[s[-1]]
    return float(s)


def pod_requests(pod: dict) -> tuple[float, float]:
    """(cpu cores, memory bytes) the scheduler accounts for; limits stand in for absent requests."""
    cpu = mem = 0.0
    for c in (pod.get("spec") or {}).get("containers") or ():
        res = c.get("resources") or {}
        req, lim = res.get("requests") or {}, res.get("limits") or {}
        cpu += parse_quantity(req.get("cpu", lim.get("cpu")))
        mem += parse_quantity(req.get("memory", lim.get("memory")))
    return cpu, mem


def qos_class(pod_spec: dict) -> str:
    guaranteed, any_set = True, False
    for c in pod_spec.get("containers") or ():
        res = c.get("resources") or {}
        req, lim = res.get("requests") or {}, res.get("limits") or {}
        if req or lim:
            any_set = True
        for r in ("cpu", "memory"):
            if r not in lim or parse_quantity(req.get(r, lim[r])) != parse_quantity(lim[r]):
                guaranteed = False
    if not any_set:
        return "BestEffort"
    return "Guaranteed" if guaranteed else "Burstable"


def int_or_percent(value: Any, total: int, *, round_up: bool, default: str) -> int:
    """intstr.GetScaledValueFromIntOrPercent."""
    v = default if value is None else value
    if isinstance(v, int):
        return v
    s = str(v)
    if s.endswith("%"):
        scaled = int(s[:-1]) * total / 100
        return math.ceil(scaled) if round_up else math.floor(scaled)
    return int(s)


# -- conditions --------------------------------------------------------------


def find_condition(conditions: list[dict] | None, type_: str) -> dict | None:
    for c in conditions or ():
        if c.get("type") == type_:
            return c
    return None


def condition_true(obj: dict, type_: str) -> bool:
    c = find_condition((obj.get("status") or {}).get("conditions"), type_)
    return bool(c) and c.get("status") == "True"


def omit_zero(status: dict, *fields: str) -> dict:
    """Drop `omitempty` integer fields that are zero, as the API server's JSON does."""
    for f in fields:
        if not status.get(f):
            status.pop(f, None)
    return status


# -- pods --------------------------------------------------------------------


def pod_is_active(pod: dict) -> bool:
    """controller.IsPodActive: not finished and not being deleted."""
    phase = (pod.get("status") or {}).get("phase")
    return phase not in ("Succeeded", "Failed") and not meta(pod).get("deletionTimestamp")


def pod_is_ready(pod: dict) -> bool:
    return condition_true(pod, "Ready")


def pod_ready_since(pod: dict) -> str | None:
    c = find_condition((pod.get("status") or {}).get("conditions"), "Ready")
    if c and c.get("status") == "True":
        return c.get("lastTransitionTime")
    return None


def image_is_broken(image: str) -> bool:
    """The documented broken image: any image whose tag is `broken` (e.g. `nginx:broken`)."""
    ref = image.split("@", 1)[0]
    last = ref.rsplit("/", 1)[-1]
    return ":" in last and last.rsplit(":", 1)[1] == "broken"


def full_image_name(image: str) -> str:
    """Docker Hub shorthand expanded as containerd reports it ("nginx:1" -> "docker.io/library/nginx:1")."""
    ref = image
    first = ref.split("/", 1)[0]
    if "/" not in ref:
        ref = "docker.io/library/" + ref
    elif "." not in first and ":" not in first and first != "localhost":
        ref = "docker.io/" + ref
    last = ref.rsplit("/", 1)[-1]
    if ":" not in last and "@" not in last:
        ref += ":latest"
    return ref


def pod_template_from(template: dict, *, namespace: str, owner: dict, extra_labels: dict | None = None) -> dict:
    """A Pod as a workload controller creates it from its template, with API-server defaults."""
    tmeta = template.get("metadata") or {}
    spec = deep(template.get("spec") or {})
    spec.setdefault("restartPolicy", "Always")
    spec.setdefault("dnsPolicy", "ClusterFirst")
    spec.setdefault("schedulerName", "default-scheduler")
    spec.setdefault("serviceAccountName", "default")
    spec.setdefault("terminationGracePeriodSeconds", 30)
    spec.setdefault("enableServiceLinks", True)
    spec.setdefault("securityContext", {})
    spec.setdefault("priority", 0)
    for c in spec.get("containers") or ():
        c.setdefault("imagePullPolicy", "Always" if full_image_name(c.get("image", "")).endswith(":latest") else "IfNotPresent")
        c.setdefault("terminationMessagePath", "/dev/termination-log")
        c.setdefault("terminationMessagePolicy", "File")
        c.setdefault("resources", {})
    labels = dict(tmeta.get("labels") or {})
    labels.update(extra_labels or {})
    pod_meta: dict[str, Any] = {"namespace": namespace, "labels": labels, "ownerReferences": [owner_ref(owner)]}
    if tmeta.get("annotations"):
        pod_meta["annotations"] = dict(tmeta["annotations"])
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": pod_meta,
        "spec": spec,
        "status": {"phase": "Pending", "qosClass": qos_class(spec)},
    }
