"""Small real image files for the upload tests: PNG, ICO, JPEG and GIF, built byte by byte."""

from __future__ import annotations

import struct
import zlib


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png(width: int = 1, height: int = 1, *, padding: int = 0) -> bytes:
    """A valid RGB PNG; ``padding`` bytes of text in a tEXt chunk make it as large as needed."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    rows = b"".join(b"\x00" + b"\xff\x99\x99" * width for _ in range(height))
    text = _chunk(b"tEXt", b"Comment\x00" + b"x" * padding) if padding else b""
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + text
        + _chunk(b"IDAT", zlib.compress(rows))
        + _chunk(b"IEND", b"")
    )


def ico() -> bytes:
    """An ICO holding one 1x1 PNG image (the modern form)."""
    image = png()
    entry = struct.pack("<BBBBHHII", 1, 1, 0, 0, 1, 32, len(image), 6 + 16)
    return struct.pack("<HHH", 0, 1, 1) + entry + image


def jpeg(*, padding: int = 0) -> bytes:
    """A JPEG's frame: SOI, a JFIF APP0 segment, a comment, EOI."""
    app0 = b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    comment = b"sandbox" + b"x" * padding
    segments = b""
    for start in range(0, len(comment), 65_000):
        part = comment[start : start + 65_000]
        segments += b"\xff\xfe" + struct.pack(">H", len(part) + 2) + part
    return b"\xff\xd8" + b"\xff\xe0" + struct.pack(">H", len(app0) + 2) + app0 + segments + b"\xff\xd9"


#: The classic 1x1 transparent GIF.
GIF = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00"
    b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)
