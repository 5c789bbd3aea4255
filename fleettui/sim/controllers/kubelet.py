"""The kubelet's view of a bound pod: start-up stages over simulated seconds.

Bound (PodScheduled) -> ~1 s -> ContainerCreating (Initialized, hostIP) ->
1-3 s -> Running and Ready (podIP, containerStatuses running). Containers with
a readinessProbe become ready after initialDelaySeconds. An image whose tag is
`broken` fails to pull: ErrImagePull, then ImagePullBackOff, retried after a
back-off doubling from 10 s to 5 minutes (each retry ErrImagePull again), with
the kubelet's events; the pod stays Pending as the real kubelet reports it. Pods of Jobs (or any pod annotated `sim.fleettui.io/run-seconds`)
exit 0 after that many seconds (Jobs default to 5) and end Succeeded.
"""

from __future__ import annotations

import hashlib
import ipaddress
from typing import Any

from .objects import (
    controller_ref,
    deep,
    find_condition,
    full_image_name,
    image_is_broken,
    meta,
    unit_jitter,
)
from .runtime import ClusterRuntime, parse_time

COMPONENT = "kubelet"
RUN_SECONDS = "sim.fleettui.io/run-seconds"
EXIT_CODE = "sim.fleettui.io/exit-code"
CREATE_DELAY = 1.0
PULL_RETRY = 5.0
FIRST_BACKOFF = 10.0
MAX_BACKOFF = 300.0


def sync(rt: ClusterRuntime, pod: dict, node: dict) -> None:
    m = meta(pod)
    uid = m.get("uid", "")
    key = (m.get("namespace", ""), m["name"])
    now = rt.now()
    since = rt.stage_since.setdefault(uid, now)
    status = pod.get("status") or {}
    statuses = status.get("containerStatuses") or []
    waiting = {((c.get("state") or {}).get("waiting") or {}).get("reason") for c in statuses} - {None}
    containers = (pod.get("spec") or {}).get("containers") or []
    if not containers:
        return  # nothing to run (the apiserver would have refused such a pod)
    broken = [c["name"] for c in containers if image_is_broken(c.get("image", ""))]

    def due(delay: float) -> bool:
        if now >= since + delay:
            return True
        rt.at(since + delay, "pods", key)
        return False

    if not statuses:
        if due(CREATE_DELAY):
            _write(rt, pod, node, "creating")
            _restart_stage(rt, uid, key, _start_delay(uid))
        return
    if "ContainerCreating" in waiting:
        if not due(_start_delay(uid)):
            return
        if broken:
            _pull_failed(rt, pod, node, broken, "ErrImagePull")
            _restart_stage(rt, uid, key, PULL_RETRY)
        else:
            _start(rt, pod, node, uid, key)
        return
    if waiting & {"ErrImagePull", "ImagePullBackOff"}:
        if not broken:  # the image was fixed in place (kubectl set image on the pod)
            _start(rt, pod, node, uid, key)
            return
        # As the kubelet: a failed pull is reported (ErrImagePull), the next sync backs off
        # (ImagePullBackOff), and each retry after the back-off (10 s doubling to 5 min)
        # fails the same way again.
        if "ErrImagePull" in waiting:
            if due(PULL_RETRY):
                _pull_failed(rt, pod, node, broken, "ImagePullBackOff")
                _restart_stage(rt, uid, key, rt.backoff.setdefault(uid, FIRST_BACKOFF))
        elif due(rt.backoff.get(uid, FIRST_BACKOFF)):
            _pull_failed(rt, pod, node, broken, "ErrImagePull")
            rt.backoff[uid] = min(rt.backoff.get(uid, FIRST_BACKOFF) * 2, MAX_BACKOFF)
            _restart_stage(rt, uid, key, PULL_RETRY)
        return
    if "CrashLoopBackOff" in waiting:
        if due(_crash_backoff(statuses)):
            _start(rt, pod, node, uid, key)
        return
    if status.get("phase") == "Running":
        run = _run_seconds(pod)
        # When the containers started is in the status: a restarted manager keeps time right.
        started = _started_at(statuses) or rt.stage_since.get(uid, now)
        if run is not None and now >= started + run:
            _exit(rt, pod, node, uid, key, statuses)
            return
        if run is not None:
            rt.at(started + run, "pods", key)
        ready_delay = _readiness_delay(containers)
        ready = now >= started + ready_delay
        if not ready:
            rt.at(started + ready_delay, "pods", key)
        _write(rt, pod, node, "running", ready=ready)


def _exit(rt: ClusterRuntime, pod: dict, node: dict, uid: str, key: tuple[str, str], statuses: list[dict]) -> None:
    """The containers exit: success ends the pod; a failure ends it (restartPolicy Never) or
    is restarted after a back-off (CrashLoopBackOff), as the kubelet does."""
    code = _exit_code(pod)
    if code == 0:
        _write(rt, pod, node, "succeeded")
        return
    if (pod.get("spec") or {}).get("restartPolicy", "Always") == "Never":
        _write(rt, pod, node, "failed", exit_code=code)
        return
    _write(rt, pod, node, "crashloop", exit_code=code)
    m = meta(pod)
    for c in (pod.get("spec") or {}).get("containers") or []:
        rt.event(pod, "BackOff", f"Back-off restarting failed container {c['name']} in pod "
                 f"{m['name']}_{m.get('namespace')}({uid})", component=COMPONENT)
    live = rt.cluster.get("pods", m.get("namespace"), m["name"]) or pod
    _restart_stage(rt, uid, key, _crash_backoff((live.get("status") or {}).get("containerStatuses") or []))


def _crash_backoff(statuses: list[dict]) -> float:
    """10 s doubling per restart up to 5 minutes, from restartCount (so it survives a restart of ours)."""
    restarts = max((int(c.get("restartCount") or 0) for c in statuses), default=1)
    return min(FIRST_BACKOFF * 2 ** max(restarts - 1, 0), MAX_BACKOFF)


def _exit_code(pod: dict) -> int:
    try:
        return int((meta(pod).get("annotations") or {}).get(EXIT_CODE, "0"))
    except ValueError:
        return 0


def _started_at(statuses: list[dict]) -> float | None:
    times = [parse_time(((c.get("state") or {}).get("running") or {}).get("startedAt")) for c in statuses]
    known = [t for t in times if t is not None]
    return max(known) if known else None


def _restart_stage(rt: ClusterRuntime, uid: str, key: tuple[str, str], next_in: float) -> None:
    rt.stage_since[uid] = rt.now()
    rt.after(next_in, "pods", key)


def _start(rt: ClusterRuntime, pod: dict, node: dict, uid: str, key: tuple[str, str]) -> None:
    rt.stage_since[uid] = rt.now()
    for c in (pod.get("spec") or {}).get("containers") or []:
        rt.event(pod, "Pulled", f'Container image "{c.get("image", "")}" already present on machine',
                 type="Normal", component=COMPONENT)
        rt.event(pod, "Created", f"Created container: {c['name']}", type="Normal", component=COMPONENT)
        rt.event(pod, "Started", f"Started container {c['name']}", type="Normal", component=COMPONENT)
    rt.backoff.pop(uid, None)
    ready_delay = _readiness_delay((pod.get("spec") or {}).get("containers") or [])
    _write(rt, pod, node, "running", ready=ready_delay <= 0)
    if ready_delay > 0:
        rt.after(ready_delay, "pods", key)
    run = _run_seconds(pod)
    if run is not None:
        rt.after(run, "pods", key)


def _start_delay(uid: str) -> float:
    return 1.0 + 2.0 * unit_jitter(uid)


def _readiness_delay(containers: list[dict]) -> float:
    delays = [min(float((c.get("readinessProbe") or {}).get("initialDelaySeconds") or 0), 60.0)
              for c in containers if c.get("readinessProbe")]
    return max(delays, default=0.0)


def _run_seconds(pod: dict) -> float | None:
    ann = meta(pod).get("annotations") or {}
    if RUN_SECONDS in ann:
        try:
            return float(ann[RUN_SECONDS])
        except ValueError:
            return None
    ref = controller_ref(pod)
    if ref and ref.get("kind") == "Job":
        return 5.0
    if EXIT_CODE in ann:
        return 3.0  # a crashing container does not last long
    return None


def _pull_failed(rt: ClusterRuntime, pod: dict, node: dict, broken: list[str], reason: str) -> None:
    images = {c["name"]: c.get("image", "") for c in (pod.get("spec") or {}).get("containers") or []}
    for name in broken:
        image = images[name]
        if reason == "ErrImagePull":
            rt.event(pod, "Pulling", f'Pulling image "{image}"', type="Normal", component=COMPONENT)
            rt.event(pod, "Failed", f'Failed to pull image "{image}": {_pull_error(image)}', component=COMPONENT)
        else:
            rt.event(pod, "BackOff", f'Back-off pulling image "{image}"', type="Normal", component=COMPONENT)
        rt.event(pod, "Failed", f"Error: {reason}", component=COMPONENT)
    _write(rt, pod, node, "pull-failed", pull_reason=reason, broken=broken)


def _pull_error(image: str) -> str:
    ref = full_image_name(image)
    return (f'rpc error: code = NotFound desc = failed to pull and unpack image "{ref}": '
            f'failed to resolve reference "{ref}": {ref}: not found')


def _write(rt: ClusterRuntime, pod: dict, node: dict, stage: str, *, ready: bool = False,
           pull_reason: str = "", broken: list[str] | None = None, exit_code: int = 0) -> None:
    """Build the whole PodStatus for `stage`, keeping transition times that did not change."""
    m = meta(pod)
    old = pod.get("status") or {}
    now = rt.iso()
    host_ip = node_ip(node)
    status: dict[str, Any] = {"phase": "Pending", "hostIP": host_ip, "hostIPs": [{"ip": host_ip}],
                              "startTime": old.get("startTime") or now,
                              "qosClass": old.get("qosClass", "BestEffort")}
    sandbox = stage != "creating"
    if sandbox:
        host_network = bool((pod.get("spec") or {}).get("hostNetwork"))
        ip = old.get("podIP") or (host_ip if host_network else allocate_pod_ip(rt, node))
        status["podIP"] = ip
        status["podIPs"] = [{"ip": ip}]
    old_cs = {c.get("name"): c for c in old.get("containerStatuses") or []}
    cs = []
    broken = broken or []
    for c in (pod.get("spec") or {}).get("containers") or []:
        cs.append(_container_status(rt, pod, c, stage, ready, pull_reason if c["name"] in broken else "",
                                    old_cs.get(c["name"]), now, exit_code))
    status["containerStatuses"] = cs
    all_ready = bool(cs) and all(c["ready"] for c in cs)
    unready = [c["name"] for c in cs if not c["ready"]]
    if stage == "succeeded":
        status["phase"] = "Succeeded"
        reason = "PodCompleted"
    elif stage == "failed":
        status["phase"] = "Failed"
        reason = "PodFailed"
    elif stage in ("running", "crashloop"):
        status["phase"] = "Running"
        reason = "ContainersNotReady"
    else:
        reason = "ContainersNotReady"
    not_ready_msg = f"containers with unready status: [{' '.join(unready)}]"
    conds = [
        _cond("PodReadyToStartContainers", sandbox and stage not in ("succeeded", "failed")),
        _cond("Initialized", True),
        _cond("Ready", all_ready, "" if all_ready else reason,
              "" if all_ready or reason in ("PodCompleted", "PodFailed") else not_ready_msg),
        _cond("ContainersReady", all_ready, "" if all_ready else reason,
              "" if all_ready or reason in ("PodCompleted", "PodFailed") else not_ready_msg),
        _cond("PodScheduled", True),
    ]
    old_conds = old.get("conditions") or []
    for c in conds:
        prev = find_condition(old_conds, c["type"])
        c["lastTransitionTime"] = prev.get("lastTransitionTime") if prev and prev.get("status") == c["status"] else now
    status["conditions"] = conds
    if old.get("initContainerStatuses") or (pod.get("spec") or {}).get("initContainers"):
        status["initContainerStatuses"] = [
            {"name": c["name"], "image": c.get("image", ""), "imageID": _image_id(c.get("image", "")),
             "containerID": _container_id(m.get("uid", ""), c["name"]), "ready": True, "restartCount": 0,
             "started": False, "state": {"terminated": {"exitCode": 0, "reason": "Completed",
                                                        "startedAt": status["startTime"], "finishedAt": status["startTime"]}}}
            for c in (pod.get("spec") or {}).get("initContainers") or []
        ]
    rt.cluster.set_status("pods", m.get("namespace"), m["name"], status)


def _cond(type_: str, ok: bool, reason: str = "", message: str = "") -> dict:
    c: dict[str, Any] = {"type": type_, "status": "True" if ok else "False", "lastProbeTime": None}
    if reason and not ok:
        c["reason"] = reason
    if message and not ok:
        c["message"] = message
    return c


def _container_status(rt: ClusterRuntime, pod: dict, c: dict, stage: str, ready: bool, pull_reason: str,
                      old: dict | None, now: str, exit_code: int = 0) -> dict:
    image = c.get("image", "")
    restarts = int((old or {}).get("restartCount") or 0)
    out: dict[str, Any] = {"name": c["name"], "image": image, "imageID": "", "ready": False,
                           "restartCount": restarts, "started": False, "lastState": (old or {}).get("lastState") or {}}
    old_state = (old or {}).get("state") or {}
    started_at = (old_state.get("running") or {}).get("startedAt") or (old_state.get("terminated") or {}).get("startedAt")
    cid = _container_id(meta(pod).get("uid", ""), c["name"], restarts)
    if stage in ("failed", "crashloop"):
        terminated = {"exitCode": exit_code, "reason": "Error", "startedAt": started_at or now, "finishedAt": now,
                      "containerID": cid}
        out.update(imageID=_image_id(image), containerID=cid)
        if stage == "failed":
            out["state"] = {"terminated": terminated}
        else:
            out["restartCount"] = restarts + 1
            out["lastState"] = {"terminated": terminated}
            delay = int(min(FIRST_BACKOFF * 2 ** restarts, MAX_BACKOFF))
            m = meta(pod)
            out["state"] = {"waiting": {"reason": "CrashLoopBackOff", "message": (
                f"back-off {_duration(delay)} restarting failed container={c['name']} "
                f"pod={m['name']}_{m.get('namespace')}({m.get('uid')})")}}
        return out
    if stage == "creating":
        out["state"] = {"waiting": {"reason": "ContainerCreating"}}
    elif pull_reason:
        msg = (_pull_error_message(image) if pull_reason == "ErrImagePull"
               else f'Back-off pulling image "{image}": ErrImagePull: {_pull_error_message(image)}')
        out["state"] = {"waiting": {"reason": pull_reason, "message": msg}}
    elif stage == "succeeded":
        out.update(imageID=_image_id(image), containerID=cid)
        out["state"] = {"terminated": {"exitCode": 0, "reason": "Completed", "startedAt": started_at or now,
                                       "finishedAt": now, "containerID": cid}}
    else:
        out.update(imageID=_image_id(image), containerID=cid, started=True, ready=ready)
        out["state"] = {"running": {"startedAt": started_at or now}}
    return out


def _pull_error_message(image: str) -> str:
    ref = full_image_name(image)
    return f'failed to pull and unpack image "{ref}": failed to resolve reference "{ref}": {ref}: not found'


def _container_id(uid: str, name: str, restarts: int = 0) -> str:
    return "containerd://" + hashlib.sha256(f"{uid}/{name}/{restarts}".encode()).hexdigest()


def _duration(seconds: int) -> str:
    """Go's time.Duration spelling, as the kubelet's back-off message prints it (10s, 2m40s, 5m0s)."""
    minutes, secs = divmod(seconds, 60)
    return f"{minutes}m{secs}s" if minutes else f"{secs}s"


def _image_id(image: str) -> str:
    ref = full_image_name(image)
    repo = ref.rsplit(":", 1)[0] if ":" in ref.rsplit("/", 1)[-1] else ref
    return f"{repo}@sha256:{hashlib.sha256(ref.encode()).hexdigest()}"


def node_ip(node: dict) -> str:
    for a in (node.get("status") or {}).get("addresses") or ():
        if a.get("type") == "InternalIP":
            return a.get("address", "")
    return ""


def allocate_pod_ip(rt: ClusterRuntime, node: dict) -> str:
    """Next address in the node's podCIDR (wrapping within the /24 the seed gives each node)."""
    name = meta(node)["name"]
    cidr = (node.get("spec") or {}).get("podCIDR") or f"10.{100 + rt.index % 150}.{len(rt.ip_next) % 250}.0/24"
    net = ipaddress.ip_network(cidr, strict=False)
    n = rt.ip_next.get(name, 2)
    rt.ip_next[name] = n + 1 if n + 1 < net.num_addresses - 1 else 2
    return str(net.network_address + n)


def mark_not_ready(rt: ClusterRuntime, pod: dict) -> None:
    """Node lifecycle controller (MarkPodsNotReady): pods on an unreachable node lose Ready."""
    status = deep(pod.get("status") or {})
    ready = find_condition(status.get("conditions"), "Ready")
    if ready is None or ready.get("status") == "False":
        return
    ready["status"] = "False"
    ready["lastTransitionTime"] = rt.iso()
    m = meta(pod)
    rt.cluster.set_status("pods", m.get("namespace"), m["name"], status)
    rt.event(pod, "NodeNotReady", "Node is not ready", component="node-controller")


def stop_containers(rt: ClusterRuntime, pod: dict) -> None:
    """Graceful deletion began: the kubelet kills the containers, so the pod is not Ready."""
    status = deep(pod.get("status") or {})
    changed = False
    for c in status.get("conditions") or []:
        if c.get("type") in ("Ready", "ContainersReady") and c.get("status") != "False":
            c.update(status="False", lastTransitionTime=rt.iso())
            changed = True
    for cs in status.get("containerStatuses") or []:
        if cs.get("ready"):
            cs["ready"] = False
            changed = True
    if not changed:
        return
    m = meta(pod)
    rt.cluster.set_status("pods", m.get("namespace"), m["name"], status)
    for c in (pod.get("spec") or {}).get("containers") or []:
        rt.event(pod, "Killing", f"Stopping container {c.get('name')}", type="Normal", component="kubelet")
