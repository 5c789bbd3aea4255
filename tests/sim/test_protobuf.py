"""The protobuf body decoder, from hand-built bytes: the wire format, the Kubernetes
envelope, each value type, and every malformation answered as a 400 (never a crash)."""

from __future__ import annotations

import struct

import pytest

from fleettui.sim import ApiError, Simulator, protobuf
from fleettui.sim.protowire import WireError, fields, read_varint, signed

# --------------------------------------------------------------- a tiny encoder


def varint(n: int) -> bytes:
    n &= (1 << 64) - 1
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def v(number: int, value: int) -> bytes:
    return varint(number << 3) + varint(value)


def ld(number: int, payload: bytes | str) -> bytes:
    data = payload.encode() if isinstance(payload, str) else payload
    return varint(number << 3 | 2) + varint(len(data)) + data


def entry(key: str, value: bytes | str) -> bytes:
    return ld(1, key) + ld(2, value)


def body(api_version: str, kind: str, raw: bytes, **extra: str) -> bytes:
    env = ld(1, ld(1, api_version) + ld(2, kind)) + ld(2, raw)
    if "encoding" in extra:
        env += ld(3, extra["encoding"])
    if "ctype" in extra:
        env += ld(4, extra["ctype"])
    return b"k8s\x00" + env


def meta(name: str, namespace: str = "", **maps: dict[str, str]) -> bytes:
    """Field 1 of every top-level kind."""
    # gogo writes every non-pointer string, even empty: the decoder must drop them.
    out = ld(1, name) + ld(2, "") + ld(3, namespace) + ld(4, "") + ld(5, "") + ld(6, "") + v(7, 0) + ld(8, b"")
    for number, key in ((11, "labels"), (12, "annotations")):
        for k, val in (maps.get(key) or {}).items():
            out += ld(number, entry(k, val))
    return ld(1, out)


# ---------------------------------------------------------------- wire format


def test_varints_and_signed_values():
    assert read_varint(b"\xac\x02", 0) == (300, 2)
    assert read_varint(varint(2**64 - 1), 0) == (2**64 - 1, 10)
    assert signed(read_varint(varint(-5), 0)[0], 32) == -5  # a negative int32 takes ten bytes
    assert signed(2**63) == -(2**63)
    with pytest.raises(WireError, match="truncated"):
        read_varint(b"\x80\x80", 0)
    with pytest.raises(WireError, match="longer than 10"):
        read_varint(b"\xff" * 11, 0)
    with pytest.raises(WireError, match="overflows"):
        read_varint(b"\xff" * 9 + b"\x7f", 0)


def test_fields_of_every_wire_type():
    buf = v(1, 150) + varint(2 << 3 | 1) + struct.pack("<q", -2) + ld(3, "hi") + varint(4 << 3 | 5) + struct.pack("<I", 7)
    got = [(f.number, f.wire_type, f.value) for f in fields(buf)]
    assert got == [(1, 0, 150), (2, 1, 2**64 - 2), (3, 2, b"hi"), (4, 5, 7)]


@pytest.mark.parametrize(("buf", "message"), [
    (ld(1, "abc")[:-1], "claims 3 bytes, 2 remain"),
    (varint(1 << 3 | 3), "unsupported wire type 3"),
    (varint(0 << 3 | 0) + b"\x01", "invalid field number 0"),
    (varint(1 << 3 | 5) + b"\x01\x02", "truncated fixed32"),
    (varint(1 << 3 | 1) + b"\x01", "truncated fixed64"),
])
def test_malformed_wire(buf: bytes, message: str):
    with pytest.raises(WireError, match=message):
        list(fields(buf))


# ------------------------------------------------------------- to JSON objects


def test_configmap_with_maps_and_a_pointer_bool():
    raw = meta("c1", "team-a", labels={"app": "web"}) + ld(2, entry("a", "b")) + ld(2, entry("empty", "")) \
        + ld(3, entry("bin", b"\x00\xff")) + v(4, 0)
    assert protobuf.decode(body("v1", "ConfigMap", raw)) == {
        "kind": "ConfigMap", "apiVersion": "v1",
        "metadata": {"name": "c1", "namespace": "team-a", "labels": {"app": "web"}},
        "data": {"a": "b", "empty": ""}, "binaryData": {"bin": "AP8="},
        "immutable": False,  # a pointer: on the wire only when set, so false is kept
    }


def test_secret_data_is_base64_as_in_json():
    raw = meta("s1") + ld(2, entry("pw", b"hunter2")) + ld(3, "Opaque")
    assert protobuf.decode(body("v1", "Secret", raw))["data"] == {"pw": "aHVudGVyMg=="}


def test_deployment_nested_messages_pointers_and_int_or_string():
    container = ld(1, "web") + ld(2, "nginx:1.27") + ld(3, "sh") + ld(3, "") + ld(5, "") \
        + ld(6, ld(1, "") + v(3, 0)) + ld(8, b"") + v(16, 0)
    pod = ld(2, container) + ld(3, "")
    template = meta("", labels={"app": "web"}) + ld(2, pod)
    strategy = ld(1, "RollingUpdate") + ld(2, ld(1, v(1, 1) + ld(3, "25%")) + ld(2, v(1, 0) + v(2, 2)))
    spec = v(1, 0) + ld(2, ld(1, entry("app", "web"))) + ld(3, template) + ld(4, strategy) + v(5, 0) + v(7, 0)
    got = protobuf.decode(body("apps/v1", "Deployment", meta("web") + ld(2, spec) + ld(3, v(1, 0))))
    assert got["spec"] == {
        "replicas": 0,  # *int32: zero is a value, not an absence
        "selector": {"matchLabels": {"app": "web"}},
        "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{
            "name": "web", "image": "nginx:1.27", "command": ["sh", ""],  # repeated strings keep empties
            "ports": [{"containerPort": 0}],  # no omitempty on containerPort
            "resources": {},  # structs print even when empty
        }]}},
        "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": 2}},
    }
    assert got["status"] == {}


def test_times_quantities_inline_structs_and_packed_repeats():
    quota = ld(1, entry("cpu", ld(1, "500m"))) + ld(1, entry("pods", ld(1, "10")))
    got = protobuf.decode(body("v1", "ResourceQuota", meta("q") + ld(2, quota)))
    assert got["spec"] == {"hard": {"cpu": "500m", "pods": "10"}}
    status = ld(2, v(1, 1_800_000_000)) + ld(3, b"")  # startTime set, completionTime zero
    job = protobuf.decode(body("batch/v1", "Job", meta("j") + ld(3, status)))
    assert job["status"] == {"startTime": "2027-01-15T08:00:00Z"}
    volume = ld(1, "cfg") + ld(2, ld(19, ld(1, ld(1, "settings")) + v(3, 0o644)))
    pod = ld(1, volume) + ld(2, ld(1, "c"))
    job = protobuf.decode(body("batch/v1", "Job", meta("j") + ld(2, ld(6, ld(2, pod)))))
    assert job["spec"]["template"]["spec"]["volumes"] == [
        {"name": "cfg", "configMap": {"name": "settings", "defaultMode": 0o644}}]
    packed = protobuf.decode(body("v1", "DeleteOptions", v(1, 0) + ld(4, "Orphan") + ld(5, "All")))
    assert packed == {"kind": "DeleteOptions", "apiVersion": "v1", "gracePeriodSeconds": 0,
                      "propagationPolicy": "Orphan", "dryRun": ["All"]}


def test_nil_slices_without_omitempty_print_as_null():
    rule = ld(3, ld(1, ld(1, entry("rbac.example.com/aggregate", "true"))))
    assert protobuf.decode(body("rbac.authorization.k8s.io/v1", "ClusterRole", meta("cr") + rule)) == {
        "kind": "ClusterRole", "apiVersion": "rbac.authorization.k8s.io/v1", "metadata": {"name": "cr"},
        "rules": None, "aggregationRule": {"clusterRoleSelectors": [
            {"matchLabels": {"rbac.example.com/aggregate": "true"}}]}}


def test_an_unknown_field_is_refused_unless_it_is_zero():
    zero = meta("n") + ld(99, b"") + v(98, 0)
    assert protobuf.decode(body("v1", "Namespace", zero))["metadata"] == {"name": "n"}
    with pytest.raises(ApiError) as err:
        protobuf.decode(body("v1", "Namespace", ld(1, ld(1, "n") + ld(17, ld(1, "kubectl")))))
    assert err.value.code == 400 and "field 17 of ObjectMeta is not one the simulator decodes" in err.value.message


@pytest.mark.parametrize(("raw", "code", "message"), [
    (b"\x0a\x02", 400, "does not start with the k8s"),
    (b"k8s\x00\xff\xff", 400, "truncated varint"),
    (body("v1", "Widget", b""), 415, "not Widget (v1)"),
    (b"k8s\x00" + ld(2, b""), 400, "names no kind"),
    (body("v1", "ConfigMap", b"", encoding="gzip"), 415, "encoding 'gzip'"),
    (body("v1", "ConfigMap", b"", ctype="application/json"), 415, "type 'application/json'"),
    (body("v1", "ConfigMap", ld(1, ld(1, b"\xff\xfe"))), 400, "ObjectMeta.name is not valid UTF-8"),
    (body("v1", "ConfigMap", ld(1, v(1, 5))), 400, "ObjectMeta.name must be length-delimited"),
    (body("apps/v1", "Deployment", ld(2, ld(1, "three"))), 400, "DeploymentSpec.replicas must be a varint"),
    (body("v1", "ConfigMap", ld(1, ld(1, "x")[:-1])), 400, "claims 1 bytes, 0 remain"),
    (body("batch/v1", "Job", ld(3, ld(2, v(1, 2**62)))), 400, "is not a time"),
    (body("apps/v1", "Deployment", ld(2, ld(4, ld(2, ld(1, v(1, 7)))))), 400, "invalid IntOrString type 7"),
])
def test_malformed_bodies_are_client_errors(raw: bytes, code: int, message: str):
    with pytest.raises(ApiError) as err:
        protobuf.decode(raw)
    assert err.value.code == code and message in err.value.message, err.value.message
    assert err.value.reason == ("BadRequest" if code == 400 else "UnsupportedMediaType")


# ------------------------------------------------------------------- over HTTP

PROTOBUF = "application/vnd.kubernetes.protobuf"
ACCEPT = {"Accept": "application/vnd.kubernetes.protobuf,application/json"}  # what kubectl sends


async def test_create_update_and_delete_in_protobuf_answer_json(sim: Simulator, http):
    cluster = sim.cluster(sim.cluster_names[0])
    cm = body("v1", "ConfigMap", meta("proto", "default") + ld(2, entry("a", "1")))
    async with http.session.post(http.base + "/api/v1/namespaces/default/configmaps", data=cm,
                                 headers={"Content-Type": PROTOBUF, **ACCEPT},
                                 params={"fieldManager": "kubectl-create"}) as resp:
        assert resp.status == 201 and resp.content_type == "application/json"
        created = await resp.json()
    assert created["data"] == {"a": "1"} and created["metadata"]["uid"]
    assert created["metadata"]["managedFields"][0]["manager"] == "kubectl-create"
    rv = created["metadata"]["resourceVersion"]
    put = body("v1", "ConfigMap", ld(1, ld(1, "proto") + ld(3, "default") + ld(6, rv)) + ld(2, entry("a", "2")))
    status, updated = await http.call("PUT", "/api/v1/namespaces/default/configmaps/proto", raw=put, ctype=PROTOBUF)
    assert status == 200 and updated["data"] == {"a": "2"}
    status, _ = await http.call("PUT", "/api/v1/namespaces/default/configmaps/proto", raw=put, ctype=PROTOBUF)
    assert status == 409  # the stale resourceVersion, as in JSON
    dry = body("v1", "DeleteOptions", ld(5, "All"))
    status, _ = await http.call("DELETE", "/api/v1/namespaces/default/configmaps/proto", raw=dry, ctype=PROTOBUF)
    assert status == 200 and cluster.get("configmaps", "default", "proto") is not None
    status, _ = await http.call("DELETE", "/api/v1/namespaces/default/configmaps/proto",
                                raw=body("v1", "DeleteOptions", b""), ctype=PROTOBUF)
    assert status == 200 and cluster.get("configmaps", "default", "proto") is None


@pytest.mark.parametrize("raw", [b"k8s\x00\n\x0f", b"nope", b"k8s\x00" + ld(1, ld(1, "v1") + ld(2, "ConfigMap")) + ld(2, b"\x0a\x05ab")])
async def test_malformed_protobuf_over_http_is_a_400_status(sim: Simulator, http, raw: bytes):
    before = sim.cluster(sim.cluster_names[0]).resource_version
    for method, path in (("POST", "/api/v1/namespaces/default/configmaps"),
                         ("PUT", "/api/v1/namespaces/default/configmaps/kube-root-ca.crt"),
                         ("DELETE", "/api/v1/namespaces/default/configmaps/kube-root-ca.crt"),
                         ("POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews")):
        status, answer = await http.call(method, path, raw=raw, ctype=PROTOBUF)
        assert (status, answer["kind"], answer["reason"]) == (400, "Status", "BadRequest"), answer
    assert sim.cluster(sim.cluster_names[0]).resource_version == before


async def test_cbor_is_still_415(sim: Simulator, http):
    status, answer = await http.call("POST", "/api/v1/namespaces/default/configmaps", raw=b"\xa0",
                                     ctype="application/cbor")
    assert (status, answer["reason"]) == (415, "UnsupportedMediaType")
    assert PROTOBUF in answer["message"]
