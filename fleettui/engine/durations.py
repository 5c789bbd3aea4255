"""Go-style durations ("30s", "1m30s", "2h"), as KubeVela's suspend step takes them."""

from __future__ import annotations

import re

_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h)")
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


def parse_duration(text: object) -> float:
    """Seconds in a Go duration string; ValueError names the bad input."""
    if not isinstance(text, str) or not text:
        raise ValueError(f"duration {text!r} must be a string like 30s, 5m or 1h30m")
    pos, total = 0, 0.0
    for m in _PART.finditer(text):
        if m.start() != pos:
            break
        total += float(m.group(1)) * _UNITS[m.group(2)]
        pos = m.end()
    if pos != len(text):
        raise ValueError(f"duration {text!r} must be a string like 30s, 5m or 1h30m")
    return total
