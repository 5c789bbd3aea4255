"""Secret data/stringData and ConfigMap values never reach the cache file."""

from __future__ import annotations

import base64
import glob

from fleettui.sync.summaries import summarize

SECRET_VALUE = "hunter2-very-secret-password"
CONFIG_VALUE = "db-connection-string-do-not-cache"


def _secret():
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "creds", "namespace": "app", "uid": "u1", "resourceVersion": "7",
                     "labels": {"team": "payments"}},
        "type": "Opaque",
        "data": {"password": base64.b64encode(SECRET_VALUE.encode()).decode()},
        "stringData": {"plain": SECRET_VALUE},
    }


def _configmap():
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "settings", "namespace": "app"},
        "data": {"dsn": CONFIG_VALUE},
        "binaryData": {"blob": base64.b64encode(CONFIG_VALUE.encode()).decode()},
    }


def _cache_bytes(store) -> bytes:
    out = b""
    for p in glob.glob(str(store.path) + "*"):
        with open(p, "rb") as f:
            out += f.read()
    return out


def test_secret_and_configmap_summaries_keep_metadata_only():
    s = summarize("Secret", _secret())
    assert s["name"] == "creds" and s["namespace"] == "app" and s["keys"] == 2
    assert SECRET_VALUE not in repr(s) and base64.b64encode(SECRET_VALUE.encode()).decode() not in repr(s)
    c = summarize("ConfigMap", _configmap())
    assert c["keys"] == 2 and CONFIG_VALUE not in repr(c)


async def test_secret_values_never_reach_the_cache_file(store):
    store.writer.replace("a", "Secret", [summarize("Secret", _secret())])
    store.writer.replace("a", "ConfigMap", [summarize("ConfigMap", _configmap())])
    # even a caller that hands the writer a whole object does not get its contents stored
    store.writer.upsert("a", "Secret", {**_secret(), "name": "raw", "namespace": "app"})
    await store.writer.flush()
    assert await store.object_counts("a") == {"ConfigMap": 1, "Secret": 2}
    raw = _cache_bytes(store)
    assert b"creds" in raw  # the metadata is there...
    for value in (SECRET_VALUE, CONFIG_VALUE):
        assert value.encode() not in raw  # ...the values are not
        assert base64.b64encode(value.encode()) not in raw
