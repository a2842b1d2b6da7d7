"""What the account endpoints accept, checked before anything is sent: pure functions.

Images are recognised by their first bytes (magic numbers), not by their file
names: a ``.png`` that holds a JPEG is refused, naming both. Sizes are binary
(1 KB = 1024 bytes): "10 Kb" and "2 Mb" in the pages are read as 10 KiB and 2 MiB.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Union

import attrs

from ..core.errors import InputError
from ..core.request import FilePart

KB = 1024
MB = 1024 * KB

#: Image types by their magic numbers: (name, content type, accepted file extensions, prefixes).
IMAGE_TYPES: dict[str, tuple[str, tuple[str, ...], tuple[bytes, ...]]] = {
    "png": ("image/png", (".png",), (b"\x89PNG\r\n\x1a\n",)),
    "ico": ("image/x-icon", (".ico",), (b"\x00\x00\x01\x00",)),
    "jpeg": ("image/jpeg", (".jpeg", ".jpg"), (b"\xff\xd8\xff",)),
    "gif": ("image/gif", (".gif",), (b"GIF87a", b"GIF89a")),
}


@attrs.frozen
class ImageRule:
    """What one upload field takes: its image types and the largest size in bytes."""

    #: The multipart field sent (``fav``).
    field: str
    types: tuple[str, ...]
    max_bytes: int
    #: The limit as the document states it, for messages.
    shown: str
    #: The keyword argument the caller gave it as (``favicon``): what errors name.
    argument: str


#: Favicon (white label): png and ico, at most 10 KB.
FAVICON = ImageRule("fav", ("png", "ico"), 10 * KB, "10 KB", "favicon")
#: Cover image (white label): jpeg/jpg, png and gif, at most 2 MB.
COVER = ImageRule("cov", ("jpeg", "png", "gif"), 2 * MB, "2 MB", "cover")
#: Account logo: jpeg/jpg, png and gif, at most 100 KB.
LOGO = ImageRule("logo", ("jpeg", "png", "gif"), 100 * KB, "100 KB", "logo")

#: An image to upload: its bytes, a path to read, or ``(file name, bytes)``.
Upload = Union[bytes, str, "os.PathLike[str]", tuple[str, bytes]]


def image_type(data: bytes) -> str | None:
    """``"png"``, ``"ico"``, ``"jpeg"`` or ``"gif"`` from the first bytes; ``None`` for anything else."""
    for name, (_, _, prefixes) in IMAGE_TYPES.items():
        if data.startswith(prefixes):
            return name
    return None


def _read(field: str, upload: Upload) -> tuple[str | None, bytes]:
    if isinstance(upload, bytes | bytearray):
        return None, bytes(upload)
    if isinstance(upload, tuple):
        if len(upload) != 2 or not isinstance(upload[0], str) or not isinstance(upload[1], bytes | bytearray):
            raise InputError(field, "must be bytes, a path, or (file name, bytes)")
        return upload[0], bytes(upload[1])
    if isinstance(upload, str | os.PathLike):
        path = Path(upload)
        try:
            return path.name, path.read_bytes()
        except OSError as error:
            raise InputError(field, f"cannot read {str(path)!r}: {error.strerror or error}") from None
    raise InputError(field, f"must be bytes, a path, or (file name, bytes), got {type(upload).__name__}")


def _accepted(rule: ImageRule) -> str:
    extensions = [ext.lstrip(".") for name in rule.types for ext in IMAGE_TYPES[name][1]]
    return ", ".join(extensions[:-1]) + " or " + extensions[-1]


def image_part(rule: ImageRule, upload: Upload) -> FilePart:
    """The file part for ``upload``, or :class:`InputError` naming the field and the rule broken."""
    name, data = _read(rule.argument, upload)
    if not data:
        raise InputError(rule.argument, "is an empty file")
    kind = image_type(data)
    if kind is None or kind not in rule.types:
        found = f"{kind.upper()} bytes" if kind else "bytes that are not a PNG, ICO, JPEG or GIF image"
        raise InputError(rule.argument, f"must be {_accepted(rule)} (checked on the bytes), got {found}")
    content_type, extensions, _ = IMAGE_TYPES[kind]
    if len(data) > rule.max_bytes:
        raise InputError(
            rule.argument, f"must be at most {rule.shown} ({rule.max_bytes:,} bytes), got {len(data):,} bytes"
        )
    if name is not None:
        suffix = Path(name).suffix.lower()
        named = next((k for k, (_, exts, _) in IMAGE_TYPES.items() if suffix in exts), None)
        if named is not None and named != kind:
            raise InputError(rule.argument, f"is named {name!r} but its bytes are {kind.upper()}")
    filename = name or f"{rule.field}{extensions[0]}"
    return FilePart(rule.field, filename, data, content_type)


# -- white label values -----------------------------------------------------------------------

_HEX_COLOUR = re.compile(r"^[0-9A-Fa-f]{6}$")
_TEST_URL = re.compile(r"^[A-Za-z0-9._~-]+$")
_PHONE = re.compile(r"^\+?[0-9][0-9 ().-]{3,30}$")
MAX_SUPPORT_NUMBERS = 2


def check_colour(field: str, value: object) -> str:
    """A colour as the update takes it: six hex digits, no ``#``."""
    if isinstance(value, str) and value.startswith("#") and _HEX_COLOUR.fullmatch(value[1:]):
        raise InputError(
            field,
            f"must be 6 hex digits without '#', e.g. {value[1:]!r} (the account sample of Get Account "
            f"Info shows '#ff9999', but the update takes the digits only), got {value!r}",
        )
    if not isinstance(value, str) or not _HEX_COLOUR.fullmatch(value):
        raise InputError(field, f"must be 6 hex digits without '#' (like '4C4794'), got {value!r}")
    return value


def check_custom_test_url(value: object) -> str:
    """The text after ``https://tests.mettl.com/``: letters, digits, ``-``, ``_``, ``.``, ``~``."""
    if not isinstance(value, str) or not _TEST_URL.fullmatch(value):
        raise InputError(
            "custom_test_url",
            f"must be the text after https://tests.mettl.com/ (letters, digits, '-', '_', '.', '~'), "
            f"got {value!r}",
        )
    return value


def check_support_numbers(value: object) -> list[str]:
    """At most two support numbers such as ``"+91-82878-0340"``."""
    if isinstance(value, str | bytes) or not isinstance(value, Sequence):
        raise InputError("support_numbers", f"must be a list of phone numbers, got {type(value).__name__}")
    if len(value) > MAX_SUPPORT_NUMBERS:
        raise InputError(
            "support_numbers", f"at most {MAX_SUPPORT_NUMBERS} support numbers, got {len(value)}"
        )
    for index, number in enumerate(value):
        if not isinstance(number, str) or not _PHONE.fullmatch(number.strip()):
            raise InputError(
                f"support_numbers[{index}]", f"must be a phone number like '+91-82878-0340', got {number!r}"
            )
    return [number.strip() for number in value]
