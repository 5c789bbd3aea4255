"""Credentials kubernetes_asyncio loads for us, used by our own requests: exec plugins, TLS
with client certificates (generated with openssl), and failures that name the context."""

import base64
import shutil
import ssl
import subprocess
import sys

import pytest
from aiohttp import web

from fleettui.config.kubeconfig import KubeConfig
from fleettui.kube import ClusterClient, errors

PLUGIN = """\
import json, os, sys
info = json.loads(os.environ["KUBERNETES_EXEC_INFO"])
token = open(sys.argv[1]).read().strip()
print(json.dumps({"apiVersion": info["apiVersion"], "kind": "ExecCredential",
                  "status": {"token": token, "expirationTimestamp": "2000-01-01T00:00:00Z"}}))
"""


async def test_exec_plugin_token_and_refresh_on_401(fake, tmp_path):
    script = tmp_path / "plugin.py"
    script.write_text(PLUGIN)
    token = tmp_path / "tok"
    token.write_text("exec-1")
    seen = []

    async def version(req):
        seen.append(req.headers.get("Authorization"))
        if req.headers.get("Authorization") != f"Bearer {token.read_text()}":
            return web.json_response(
                {
                    "kind": "Status",
                    "code": 401,
                    "reason": "Unauthorized",
                    "message": "token expired",
                },
                status=401,
            )
        return web.json_response({"gitVersion": "v1"})

    fake.on("GET", "/version", version)
    user = {
        "exec": {
            "apiVersion": "client.authentication.k8s.io/v1beta1",
            "command": sys.executable,
            "args": [str(script), str(token)],
        }
    }
    async with ClusterClient.from_kubeconfig(fake.kubeconfig(user), context="fake") as c:
        assert await c.version() == {"gitVersion": "v1"}
        token.write_text("exec-2")  # the old token expires; the plugin now hands out a new one
        assert await c.version() == {"gitVersion": "v1"}
    assert seen == ["Bearer exec-1", "Bearer exec-1", "Bearer exec-2"]


async def test_failing_exec_plugin_is_a_configuration_error(fake, tmp_path):
    user = {
        "exec": {
            "apiVersion": "client.authentication.k8s.io/v1beta1",
            "command": sys.executable,
            "args": ["-c", "import sys; sys.stderr.write('no SSO session'); sys.exit(3)"],
        }
    }
    async with ClusterClient.from_kubeconfig(fake.kubeconfig(user), context="fake") as c:
        with pytest.raises(errors.ConfigurationError, match="context 'fake'.*no SSO session"):
            await c.version()
    missing = {
        "exec": {
            "apiVersion": "client.authentication.k8s.io/v1beta1",
            "command": "/nonexistent/aws",
        }
    }
    async with ClusterClient.from_kubeconfig(fake.kubeconfig(missing), context="fake") as c:
        with pytest.raises(errors.ConfigurationError):
            await c.version()
    assert fake.requests == []


def openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=30)


@pytest.fixture
def pki(tmp_path):
    if not shutil.which("openssl"):
        pytest.skip("openssl not installed")
    d = tmp_path
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    openssl(
        "req",
        "-x509",
        *ec,
        "-keyout",
        "ca.key",
        "-out",
        "ca.crt",
        "-days",
        "2",
        "-subj",
        "/CN=test-ca",
        cwd=d,
    )
    (d / "san.ext").write_text("subjectAltName=IP:127.0.0.1\n")
    for who, subj, ext in (
        ("server", "/CN=127.0.0.1", ["-extfile", "san.ext"]),
        ("client", "/CN=fleettui/O=ops", []),
    ):
        openssl(
            "req", "-new", *ec, "-keyout", f"{who}.key", "-out", f"{who}.csr", "-subj", subj, cwd=d
        )
        openssl(
            "x509",
            "-req",
            "-in",
            f"{who}.csr",
            "-CA",
            "ca.crt",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            f"{who}.crt",
            "-days",
            "2",
            *ext,
            cwd=d,
        )
    return d


async def test_tls_with_client_certificate(pki):
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=str(pki / "ca.crt"))
    ctx.load_cert_chain(str(pki / "server.crt"), str(pki / "server.key"))
    ctx.verify_mode = ssl.CERT_REQUIRED

    async def version(req):
        peer = req.transport.get_extra_info("peercert")
        cn = dict(x[0] for x in peer["subject"])["commonName"]
        return web.json_response({"gitVersion": "v1", "client": cn})

    app = web.Application()
    app.router.add_get("/version", version)
    runner = web.AppRunner(app, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=ctx)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    b64 = lambda name: base64.b64encode((pki / name).read_bytes()).decode()  # noqa: E731

    def kubeconfig(cluster_extra):
        return KubeConfig.from_dict(
            {
                "clusters": [
                    {
                        "name": "tls",
                        "cluster": {"server": f"https://127.0.0.1:{port}", **cluster_extra},
                    }
                ],
                "users": [
                    {
                        "name": "u",
                        "user": {
                            "client-certificate-data": b64("client.crt"),
                            "client-key-data": b64("client.key"),
                        },
                    }
                ],
                "contexts": [{"name": "tls", "context": {"cluster": "tls", "user": "u"}}],
            }
        )

    try:
        async with ClusterClient.from_kubeconfig(
            kubeconfig({"certificate-authority-data": b64("ca.crt")}), context="tls"
        ) as c:
            assert await c.version() == {"gitVersion": "v1", "client": "fleettui"}
        # Without the CA the server certificate is not trusted: a TLS failure, reported as such.
        async with ClusterClient.from_kubeconfig(kubeconfig({}), context="tls", timeout=3) as c:
            with pytest.raises(errors.Unreachable, match="TLS|certificate"):
                await c.version()
    finally:
        await runner.cleanup()
