"""The `notification` step: KubeVela's webhook channels, sent as a real HTTP POST.

`webhook: {url: {value: URL}, message: {...}}` posts the message as JSON, as KubeVela
does for a generic webhook; the step records what it sent (and the answer) in its
status message, so the rollouts pane shows it. Sent once per run of the step: the
status entry remembers it, so a restarted engine does not notify twice.
"""

from __future__ import annotations

import json
from typing import Any

import aiohttp

from fleettui.engine.model import Application, Step
from fleettui.engine.workflow import DeployOutcome

SENT_KEY = "notified"
TIMEOUT = 10.0
# channels KubeVela has that fleettui does not send to (yet): refused at validation
UNSUPPORTED_CHANNELS = ("slack", "dingding", "lark", "email")


def webhook_url(props: dict[str, Any]) -> Any:
    """`url` is `{value: ...}` or `{secretRef: ...}` in KubeVela; a bare string is accepted too."""
    url = (props.get("webhook") or {}).get("url")
    return url.get("value") if isinstance(url, dict) else url


def message_text(message: Any) -> str:
    if isinstance(message, dict):
        return str(message.get("text") or message.get("title") or json.dumps(message, sort_keys=True))
    return str(message or "")


async def send(app: Application, step: Step, st: dict[str, Any], *, now: float) -> DeployOutcome:
    if st.get(SENT_KEY):
        return DeployOutcome(done=True, message=st.get("message", ""))
    hook = step.properties.get("webhook") or {}
    url = webhook_url(step.properties)
    body = hook.get("message")
    payload = body if isinstance(body, dict) else {"text": message_text(body)}
    text = message_text(body)
    try:
        timeout = aiohttp.ClientTimeout(total=TIMEOUT)
        async with aiohttp.ClientSession(timeout=timeout) as session, \
                session.post(url, json=payload, headers={"User-Agent": "fleettui"}) as r:
            answer = r.status
            detail = (await r.text())[:200]
    except (aiohttp.ClientError, TimeoutError, OSError, ValueError) as exc:
        # KubeVela's step fails when the webhook cannot be reached; so does ours
        return DeployOutcome(failed=True, reason="Execute",
                             message=f"notification to {url} failed: {exc or type(exc).__name__}")
    if answer >= 400:
        return DeployOutcome(failed=True, reason="Execute",
                             message=f"notification to {url} answered HTTP {answer}: {detail}")
    st[SENT_KEY] = now
    return DeployOutcome(done=True, message=f"sent to {url}: {text}")
