"""Rendering KubeVela component types natively: one application of 200 webservice
components with 5 traits each (scaler, env, resource, expose, storage), validated and
rendered for one cluster. Target <= 0.5 s."""

from __future__ import annotations

import argparse
import time

from fleettui.engine.render import MemberCluster, render_step
from fleettui.engine.validate import parse_application as parse

_parser = argparse.ArgumentParser(description=__doc__)
_parser.add_argument("--components", type=int, default=200)
_args = _parser.parse_args()
TARGET = 0.5


def component(i: int) -> dict:
    name = f"svc-{i:03d}"
    # the Service comes from the expose trait (ports[].expose would name a second one alike)
    return {"name": name, "type": "webservice",
            "properties": {"image": f"registry.example.com/{name}:1.0", "ports": [{"port": 8080}],
                           "cpu": "100m", "memory": "128Mi",
                           "readinessProbe": {"httpGet": {"path": "/healthz", "port": 8080}}},
            "traits": [{"type": "scaler", "properties": {"replicas": 3}},
                       {"type": "env", "properties": {"env": {"LOG_LEVEL": "info", "SERVICE": name}}},
                       {"type": "resource", "properties": {"cpu": "250m", "memory": "256Mi"}},
                       {"type": "expose", "properties": {"port": [9090], "type": "ClusterIP"}},
                       {"type": "storage", "properties": {"emptyDir": [{"name": "cache", "mountPath": "/cache"}],
                                                          "configMap": [{"name": f"{name}-cfg", "mountPath": "/cfg",
                                                                         "data": {"k": "v"}}]}}]}


def main() -> None:
    doc = {"apiVersion": "core.oam.dev/v1beta1", "kind": "Application",
           "metadata": {"name": "bench", "namespace": "bench"},
           "spec": {"components": [component(i) for i in range(_args.components)],
                    "policies": [{"name": "one", "type": "topology", "properties": {"clusters": ["c1"]}}]}}
    t0 = time.perf_counter()
    app = parse(doc)
    placements = render_step(app, ["one"], [MemberCluster("c1")], revision="bench-v1")
    seconds = time.perf_counter() - t0
    objects = sum(len(p.manifests) for p in placements)
    verdict = "ok" if seconds <= TARGET else "SLOW"
    print(f"engine_components: {_args.components} webservice components x 5 traits -> {objects} objects "
          f"validated and rendered in {seconds:.3f} s (target <= {TARGET} s) {verdict}")


if __name__ == "__main__":
    main()
