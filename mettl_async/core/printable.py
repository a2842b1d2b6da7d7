"""Server text made safe to show: terminal controls written out, never obeyed.

An error message, a snippet or a link from the network may hold ``ESC`` sequences
(retitle the window, clear the screen), ``BEL``, a carriage return (overwrite the
line shown so far) or a bidi override (show text reversed). :func:`printable` writes
each as Python writes it in a repr (``\\x1b``, ``\\r``, ``\\u202e``); all other text,
accents and emoji included, is left as it is. Exception messages go through it
(``str(error)`` of every :class:`~mettl_async.core.errors.MettlError`), and so does
whatever the command prints.
"""

from __future__ import annotations

#: What a repr writes short; every other C0 or C1 control and DEL as ``\\xNN``.
_SHORT = {0x09: "\\t", 0x0A: "\\n", 0x0D: "\\r"}
#: Bidi marks, embeddings, overrides and isolates, and the Unicode line and paragraph
#: separators: they reorder or break what a terminal shows.
_LAYOUT = (0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x2028, 0x2029)
_TABLE = {
    **{code: _SHORT.get(code, f"\\x{code:02x}") for code in (*range(0x20), *range(0x7F, 0xA0))},
    **{code: f"\\u{code:04x}" for code in _LAYOUT},
}


def printable(text: str) -> str:
    """``text`` with C0 and C1 controls, DEL, bidi controls and line separators written as escapes."""
    return text.translate(_TABLE)
