"""`application/vnd.kubernetes.protobuf` request bodies, decoded into the JSON object the
same client would have sent as JSON; the rest of the simulator only ever sees JSON, and
answers stay JSON (clients list it in Accept next to protobuf).

`decode(body)` reads the envelope (protowire.py), picks the message table of its
apiVersion and kind (prototypes.py) and walks the fields. A malformed body is a 400
BadRequest, a kind without a table a 415, never a 500.
"""

from __future__ import annotations

import base64
import time
from typing import Any

from fleettui.sim import errors
from fleettui.sim.errors import ApiError
from fleettui.sim.prototypes import (
    BOOL,
    INLINE,
    INT32,
    INT64,
    INT_OR_STRING,
    KEEP,
    KINDS,
    MESSAGES,
    QUANTITY,
    REP,
    STRING,
    TIME,
)
from fleettui.sim.prototypes import BYTES as BYTES_TYPE
from fleettui.sim.protowire import (
    BYTES,
    VARINT,
    Field,
    WireError,
    envelope,
    fields,
    packed_varints,
    signed,
    text,
)

MEDIA_TYPE = "application/vnd.kubernetes.protobuf"
_VARINT_TYPES = (BOOL, INT32, INT64)


def is_protobuf(content_type: str) -> bool:
    return content_type.split(";", 1)[0].strip() == MEDIA_TYPE


def decode(body: bytes) -> dict[str, Any]:
    """The JSON object a protobuf request body holds; raises ApiError (400, 415)."""
    try:
        env = envelope(body)
    except WireError as exc:
        raise _bad(exc) from exc
    if env.content_encoding or env.content_type not in ("", MEDIA_TYPE):
        raise ApiError(415, "UnsupportedMediaType",
                       f"the protobuf envelope's content (encoding {env.content_encoding!r}, type "
                       f"{env.content_type!r}) is not supported: only plain protobuf is decoded")
    message = KINDS.get((env.api_version, env.kind))
    if message is None:
        raise ApiError(415, "UnsupportedMediaType",
                       f"the simulator decodes protobuf bodies only for the kinds kubectl's generators send, "
                       f"not {env.kind} ({env.api_version or 'no apiVersion'}); send it as application/json")
    try:
        obj = _message(message, env.raw)
    except WireError as exc:
        raise _bad(exc, f"{env.api_version} {env.kind}") from exc
    return {"kind": env.kind, "apiVersion": env.api_version, **obj}


def _bad(exc: WireError, what: str = "") -> ApiError:
    where = f" ({what})" if what else ""
    return errors.bad_request(f"unable to decode the protobuf body{where}: {exc}")


def _message(name: str, buf: bytes) -> dict[str, Any]:
    table = MESSAGES[name]
    out: dict[str, Any] = {}
    seen_rep: set[int] = set()
    for f in fields(buf):
        spec = table.get(f.number)
        if spec is None:
            if f.value in (0, b""):
                continue  # a zero value says nothing (Go omits it from JSON too)
            raise WireError(f"field {f.number} of {name} is not one the simulator decodes")
        json_name, type_, *flags = spec
        where = f"{name}.{json_name or type_}"
        if INLINE in flags:
            out.update(_message(type_, _bytes(f, where)))
            continue
        if REP in flags:
            if f.number not in seen_rep:
                seen_rep.add(f.number)
                out[json_name] = []
            if type_ in _VARINT_TYPES and f.wire_type == BYTES:  # packed
                out[json_name].extend(_scalar(type_, v) for v in packed_varints(_bytes(f, where)))
            else:
                out[json_name].append(_value(type_, f, where))
            continue
        if type_.startswith("map<"):
            key, value = _map_entry(type_[4:-1], _bytes(f, where), where)
            out.setdefault(json_name, {})[key] = value
            continue
        value = _value(type_, f, where)
        if value is None:
            continue  # the zero time: metav1.Time is omitempty-zero in JSON
        if isinstance(value, dict) and isinstance(out.get(json_name), dict):
            out[json_name].update(value)  # a message repeated on the wire is merged
        else:
            out[json_name] = value
        if KEEP not in flags and type_ in (STRING, BYTES_TYPE, *_VARINT_TYPES) and not value:
            del out[json_name]
    for number, (json_name, _type, *flags) in table.items():
        if REP in flags and KEEP in flags and number not in seen_rep:
            out[json_name] = None  # a nil slice without omitempty
    return out


def _bytes(f: Field, where: str) -> bytes:
    if not isinstance(f.value, bytes):
        raise WireError(f"{where} must be length-delimited, got wire type {f.wire_type}")
    return f.value


def _scalar(type_: str, value: int) -> Any:
    if type_ == BOOL:
        return value != 0
    return signed(value, 32 if type_ == INT32 else 64)


def _value(type_: str, f: Field, where: str) -> Any:
    if type_ in _VARINT_TYPES:
        if f.wire_type != VARINT or not isinstance(f.value, int):
            raise WireError(f"{where} must be a varint, got wire type {f.wire_type}")
        return _scalar(type_, f.value)
    raw = _bytes(f, where)
    if type_ == STRING:
        return text(raw, where)
    if type_ == BYTES_TYPE:
        return base64.b64encode(raw).decode()
    if type_ == TIME:
        return _time(raw, where)
    if type_ == QUANTITY:
        return _quantity(raw, where)
    if type_ == INT_OR_STRING:
        return _int_or_string(raw, where)
    return _message(type_, raw)


def _map_entry(value_type: str, buf: bytes, where: str) -> tuple[str, Any]:
    key, value = "", _zero(value_type)
    for f in fields(buf):
        if f.number == 1:
            key = text(_bytes(f, where), f"{where} key")
        elif f.number == 2:
            value = _value(value_type, f, f"{where}[{key!r}]")
    return key, value


def _zero(type_: str) -> Any:
    return {STRING: "", BYTES_TYPE: "", QUANTITY: "0", TIME: None}.get(type_)


def _fields_by_number(buf: bytes) -> dict[int, int | bytes]:
    return {f.number: f.value for f in fields(buf)}


def _time(buf: bytes, where: str) -> str | None:
    parts = _fields_by_number(buf)
    if not parts:
        return None  # metav1.Time writes nothing for the zero time; its JSON is null
    seconds = parts.get(1, 0)
    if not isinstance(seconds, int):
        raise WireError(f"{where}.seconds must be a varint")
    try:
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(signed(seconds)))
    except (OverflowError, OSError, ValueError) as exc:
        raise WireError(f"{where}: {signed(seconds)} seconds is not a time") from exc


def _quantity(buf: bytes, where: str) -> str:
    value = _fields_by_number(buf).get(1, b"")
    return text(value, where)


def _int_or_string(buf: bytes, where: str) -> int | str:
    parts = _fields_by_number(buf)
    kind, number, string = parts.get(1, 0), parts.get(2, 0), parts.get(3, b"")
    if kind == 1:
        return text(string, where)
    if kind != 0 or not isinstance(number, int):
        raise WireError(f"{where}: invalid IntOrString type {kind!r}")
    return signed(number, 32)
