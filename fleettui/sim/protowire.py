"""The protobuf wire format, read without a schema, and the Kubernetes envelope around it.

An apiserver accepts `application/vnd.kubernetes.protobuf` bodies: the four bytes
`k8s\\0` and a `runtime.Unknown` message (1 typeMeta {1 apiVersion, 2 kind}, 2 raw: the
object's own message, 3 contentEncoding, 4 contentType). kubectl's typed generators
(`kubectl create namespace|configmap|deployment ...`) send nothing else.

This module only splits bytes into (field number, wire type, value) triples; what a
field means is `prototypes.py`'s business. Every malformation raises `WireError`, which
the HTTP layer answers with a 400 Status: a body can never crash the server.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

MAGIC = b"k8s\x00"

VARINT, FIXED64, BYTES, FIXED32 = 0, 1, 2, 5
# Groups (3, 4) are proto2 relics no Kubernetes message uses; 6 and 7 are not wire types.
_MAX_VARINT_BYTES = 10


class WireError(ValueError):
    """The bytes are not a well-formed protobuf message."""


@dataclass(frozen=True)
class Field:
    number: int
    wire_type: int
    value: int | bytes  # varints and fixed values as unsigned ints, length-delimited as bytes


def read_varint(buf: bytes, pos: int) -> tuple[int, int]:
    """(value, next position); a varint is 7 bits a byte, low group first, high bit = more."""
    value = shift = 0
    for i in range(_MAX_VARINT_BYTES):
        if pos + i >= len(buf):
            raise WireError("truncated varint")
        byte = buf[pos + i]
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            if value >> 64:
                raise WireError("varint overflows 64 bits")
            return value, pos + i + 1
        shift += 7
    raise WireError("varint longer than 10 bytes")


def fields(buf: bytes) -> Iterator[Field]:
    """The fields of one message, in wire order (a repeated field appears once per element)."""
    pos = 0
    while pos < len(buf):
        key, pos = read_varint(buf, pos)
        number, wire_type = key >> 3, key & 7
        if number == 0 or number > 0x1FFFFFFF:
            raise WireError(f"invalid field number {number}")
        if wire_type == VARINT:
            value, pos = read_varint(buf, pos)
            yield Field(number, wire_type, value)
        elif wire_type in (FIXED64, FIXED32):
            size = 8 if wire_type == FIXED64 else 4
            if pos + size > len(buf):
                raise WireError(f"truncated fixed{size * 8} field {number}")
            yield Field(number, wire_type, int.from_bytes(buf[pos:pos + size], "little"))
            pos += size
        elif wire_type == BYTES:
            size, pos = read_varint(buf, pos)
            if pos + size > len(buf):
                raise WireError(f"field {number} claims {size} bytes, {len(buf) - pos} remain")
            yield Field(number, wire_type, buf[pos:pos + size])
            pos += size
        else:
            raise WireError(f"unsupported wire type {wire_type} (field {number})")


def packed_varints(buf: bytes) -> list[int]:
    """A packed repeated scalar: varints back to back in one length-delimited field."""
    out, pos = [], 0
    while pos < len(buf):
        value, pos = read_varint(buf, pos)
        out.append(value)
    return out


def signed(value: int, bits: int = 64) -> int:
    """int32/int64 are two's complement on the wire (a negative int32 takes ten bytes)."""
    value &= (1 << 64) - 1
    if value >> 63:
        value -= 1 << 64
    if bits == 32:
        value = (value + (1 << 31)) % (1 << 32) - (1 << 31)
    return value


@dataclass(frozen=True)
class Envelope:
    """`runtime.Unknown`: which type the raw bytes hold, and how they are encoded."""

    api_version: str
    kind: str
    raw: bytes
    content_encoding: str
    content_type: str


def text(value: int | bytes, what: str) -> str:
    if not isinstance(value, bytes):
        raise WireError(f"{what} must be length-delimited")
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise WireError(f"{what} is not valid UTF-8") from exc


def envelope(body: bytes) -> Envelope:
    if not body.startswith(MAGIC):
        raise WireError("the body does not start with the k8s\\x00 protobuf prefix")
    api_version = kind = encoding = ctype = ""
    raw = b""
    for f in fields(body[len(MAGIC):]):
        if f.number == 1:
            if not isinstance(f.value, bytes):
                raise WireError("typeMeta must be length-delimited")
            for t in fields(f.value):
                if t.number == 1:
                    api_version = text(t.value, "typeMeta.apiVersion")
                elif t.number == 2:
                    kind = text(t.value, "typeMeta.kind")
        elif f.number == 2:
            if not isinstance(f.value, bytes):
                raise WireError("raw must be length-delimited")
            raw = f.value
        elif f.number == 3:
            encoding = text(f.value, "contentEncoding")
        elif f.number == 4:
            ctype = text(f.value, "contentType")
    if not kind:
        raise WireError("the envelope names no kind")
    return Envelope(api_version, kind, raw, encoding, ctype)
