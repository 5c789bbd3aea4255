"""The Alertmanager client: silences, and its one write point refusing in read-only mode."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from fleettui.alerts.alertmanager import Alertmanager, AlertmanagerError, Matcher
from fleettui.config import mode


class FakeAlertmanager:
    """Records every request; answers like Alertmanager v2 for the calls the client makes."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str, object]] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self, code: int, body: object) -> None:
                data = json.dumps(body).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:  # noqa: N802
                owner.requests.append(("GET", self.path, None))
                self._answer(200, [])

            def do_POST(self) -> None:  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                owner.requests.append(("POST", self.path, body))
                self._answer(200, {"silenceID": "abc"})

            def do_DELETE(self) -> None:  # noqa: N802
                owner.requests.append(("DELETE", self.path, None))
                self._answer(404, "silence not found")

            def log_message(self, *a: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def am():
    fake = FakeAlertmanager()
    yield fake
    fake.close()


async def test_silence_add_sends_matchers_author_and_window(am) -> None:
    now = datetime(2027, 1, 15, 8, 0, tzinfo=UTC)
    sid = await Alertmanager(am.url).add_silence([Matcher("alertname", "X"), Matcher.parse("cluster=~edge-.*")],
                                                 duration=timedelta(hours=2), comment="known", author="ops",
                                                 now=now)
    assert sid == "abc"
    (method, path, body), = am.requests
    assert (method, path) == ("POST", "/api/v2/silences")
    assert body == {"matchers": [{"name": "alertname", "value": "X", "isRegex": False, "isEqual": True},
                                 {"name": "cluster", "value": "edge-.*", "isRegex": True, "isEqual": True}],
                    "startsAt": "2027-01-15T08:00:00.000Z", "endsAt": "2027-01-15T10:00:00.000Z",
                    "createdBy": "ops", "comment": "known"}


@pytest.mark.parametrize("flags", [{"read_only": True}, {"watch": True}])
async def test_writes_are_refused_in_read_only_at_the_client_and_nothing_is_sent(am, flags) -> None:
    client = Alertmanager(am.url)
    with mode.session_mode(**flags):
        with pytest.raises(mode.WriteRefused, match="add a silence"):
            await client.add_silence([Matcher("alertname", "X")], duration=timedelta(hours=1), comment="c")
        with pytest.raises(mode.WriteRefused, match="expire silence s1"):
            await client.expire_silence("s1")
        assert await client.silences() == []  # reads still work
    assert am.requests == [("GET", "/api/v2/silences", None)]


async def test_errors_are_sentences(am) -> None:
    with pytest.raises(AlertmanagerError, match=r"silence not found \(HTTP 404\)"):
        await Alertmanager(am.url).expire_silence("nope")
    with pytest.raises(AlertmanagerError, match="unreachable"):
        await Alertmanager("http://127.0.0.1:1").alerts()


def test_matcher_parse() -> None:
    assert [str(Matcher.parse(t)) for t in ("a=b", "a!=b", "a=~b.*", "a!~b")] == ["a=b", "a!=b", "a=~b.*", "a!~b"]
    with pytest.raises(ValueError):
        Matcher.parse("nothing")
