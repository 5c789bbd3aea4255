"""Kubernetes resource quantities ("250m", "1.5", "128Mi", "1e3", "2G") as numbers.

The grammar is `resource.Quantity`'s: a signed decimal, then an optional binary
suffix (Ki..Ei), decimal SI suffix (n, u, m, "", k, M, G, T, P, E) or decimal
exponent (e3/E3). CPU is returned in millicores, memory in bytes, rounded up
like the API server does when it canonicalises.
"""

from __future__ import annotations

import functools
import math
import re
from decimal import Decimal, InvalidOperation

_BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
_DECIMAL = {
    "n": Decimal("1e-9"),
    "u": Decimal("1e-6"),
    "m": Decimal("1e-3"),
    "": Decimal(1),
    "k": Decimal("1e3"),
    "M": Decimal("1e6"),
    "G": Decimal("1e9"),
    "T": Decimal("1e12"),
    "P": Decimal("1e15"),
    "E": Decimal("1e18"),
}
_QUANTITY = re.compile(r"^([+-]?(?:\d+\.?\d*|\.\d+))(Ki|Mi|Gi|Ti|Pi|Ei|[eE][+-]?\d+|[numkMGTPE]?)$")


def parse_quantity(value: str | int | float | None) -> Decimal | None:
    """The quantity as a Decimal in base units; None when absent or malformed
    (a malformed quantity in one object must not stop the sync of the others)."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return Decimal(str(value))
    m = _QUANTITY.match(str(value).strip())
    if not m:
        return None
    number, suffix = m.groups()
    try:
        base = Decimal(number)
        if suffix in _BINARY:
            return base * _BINARY[suffix]
        if suffix[:1] in ("e", "E"):
            return base * (Decimal(10) ** int(suffix[1:]))
        return base * _DECIMAL[suffix]
    except (InvalidOperation, KeyError, ValueError):
        return None


# A fleet's requests are a handful of distinct strings ("100m", "128Mi") repeated
# tens of thousands of times: parse each once.
@functools.lru_cache(maxsize=4096, typed=True)
def _cpu_millis(value: str | int | float | None) -> int:
    q = parse_quantity(value)
    return 0 if q is None else int(math.ceil(q * 1000))


@functools.lru_cache(maxsize=4096, typed=True)
def _memory_bytes(value: str | int | float | None) -> int:
    q = parse_quantity(value)
    return 0 if q is None else int(math.ceil(q))


def cpu_millis(value: str | int | float | None) -> int:
    try:
        return _cpu_millis(value)
    except TypeError:  # unhashable (a list where a quantity belongs): not a quantity
        return 0


def memory_bytes(value: str | int | float | None) -> int:
    try:
        return _memory_bytes(value)
    except TypeError:
        return 0


def quantity_number(value: str | int | float | None) -> int:
    """A count-like quantity (pods, GPUs) as a whole number, rounded up; 0 when absent."""
    q = parse_quantity(value)
    return 0 if q is None else int(math.ceil(q))
