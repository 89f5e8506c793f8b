# Schemathesis hooks (SCHEMATHESIS_HOOKS=test/http/schemathesis_hooks.py): serializers for the two
# request media types of POST /v1/ticks schemathesis has none for, so it sends generated ticks as
# MessagePack and NDJSON too instead of only JSON. MessagePack by a small encoder of its own: the
# venv holds schemathesis alone (scripts/test-tools.sh), and JSON values need only a few formats.
import json
import struct

import schemathesis


def _pack(v, out: bytearray) -> None:
    if v is None:
        out.append(0xC0)
    elif v is True or v is False:
        out.append(0xC3 if v else 0xC2)
    elif isinstance(v, int) and -(2**63) <= v < 2**64:
        if 0 <= v < 0x80:
            out.append(v)
        elif -32 <= v < 0:
            out.append(v & 0xFF)
        elif v >= 2**63:
            out += b"\xcf" + struct.pack(">Q", v)
        else:
            out += b"\xd3" + struct.pack(">q", v)
    elif isinstance(v, (int, float)):
        # An integer past 64 bits has no MessagePack form: sent as the nearest double (or +inf).
        try:
            f = float(v)
        except OverflowError:
            f = float("inf") if v > 0 else float("-inf")
        out += b"\xcb" + struct.pack(">d", f)
    elif isinstance(v, str):
        b = v.encode("utf-8", "surrogatepass")
        _head(out, len(b), 0xA0, 32, 0xD9, 0xDA, 0xDB)
        out += b
    elif isinstance(v, (list, tuple)):
        _head(out, len(v), 0x90, 16, None, 0xDC, 0xDD)
        for item in v:
            _pack(item, out)
    elif isinstance(v, dict):
        _head(out, len(v), 0x80, 16, None, 0xDE, 0xDF)
        for key, item in v.items():
            _pack(key, out)
            _pack(item, out)
    else:
        raise TypeError(f"cannot pack {type(v).__name__}")


def _head(out: bytearray, n: int, fix: int, fix_max: int, b8, b16: int, b32: int) -> None:
    if n < fix_max:
        out.append(fix | n)
    elif b8 is not None and n < 0x100:
        out += bytes([b8, n])
    elif n < 0x10000:
        out += bytes([b16]) + struct.pack(">H", n)
    else:
        out += bytes([b32]) + struct.pack(">I", n)


@schemathesis.serializer("application/msgpack", "application/x-msgpack")
def msgpack_serializer(ctx, value):
    out = bytearray()
    _pack(value, out)
    return bytes(out)


@schemathesis.serializer("application/x-ndjson")
def ndjson_serializer(ctx, value):
    lines = value if isinstance(value, list) else [value]
    return "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines).encode("utf-8", "surrogatepass")
