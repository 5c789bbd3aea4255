"""A scriptable fake API server for transport details the simulator does not exercise
(credential reload on 401, stream framing, stalls). Each test installs handlers."""

from __future__ import annotations

import pytest
from aiohttp import web

from fleettui.config.kubeconfig import KubeConfig


class FakeAPI:
    def __init__(self) -> None:
        self.handlers: dict[tuple[str, str], object] = {}
        self.requests: list[web.Request] = []
        self.bodies: list[bytes] = []
        self.url = ""

    def on(self, method: str, path: str, handler) -> None:
        self.handlers[(method, path)] = handler

    async def dispatch(self, request: web.Request) -> web.StreamResponse:
        self.requests.append(request)
        self.bodies.append(await request.read())
        handler = self.handlers.get((request.method, request.path))
        if handler is None:
            return web.json_response(
                {
                    "kind": "Status",
                    "status": "Failure",
                    "code": 404,
                    "reason": "NotFound",
                    "message": f"{request.path} not found",
                },
                status=404,
            )
        return await handler(request)

    def kubeconfig(self, user: dict | None = None) -> KubeConfig:
        return KubeConfig.from_dict(
            {
                "clusters": [{"name": "fake", "cluster": {"server": self.url}}],
                "users": [{"name": "u", "user": user or {"token": "t0"}}],
                "contexts": [
                    {
                        "name": "fake",
                        "context": {"cluster": "fake", "user": "u", "namespace": "team"},
                    }
                ],
            }
        )


@pytest.fixture
async def fake():
    api = FakeAPI()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", api.dispatch)
    runner = web.AppRunner(app, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    api.url = f"http://127.0.0.1:{port}"
    yield api
    await runner.cleanup()
