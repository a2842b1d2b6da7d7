"""Records as the sandboxes send them, keyed as the platforms' models declare them (issue 15).

A sandbox names a record's fields by their Python names; the model's :class:`Shape` gives
them their wire keys (:func:`~mettl_async.core.records.wire_key`: the field's ``key`` metadata
or its camelCase). A key renamed in a model is renamed in every sandbox with it, and no
sandbox module writes a key a model declares. Keys the real server sends that the model
does not declare (the client keeps them in ``extra``) are declared once, as data, on the
model's shape, with the reason beside them; so are the fields a sandbox never sends. Each
model has at most one shape, and the tests compare every record a sandbox sends with it::

    CERTIFICATE = Shape(Certificate)
    CERTIFICATE.make(certification_name="Python", score_percentage=80.0)
    # {"certificationName": "Python", "scorePercentage": 80.0}

``make`` is generated once per shape, as source code (the way the record readers are), so
a record costs what a dictionary written out by hand costs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final

import attrs

from ..core.records import wire_key

__all__ = ["OMIT", "Shape", "shapes"]


class _Omit:
    """The default of every field of :meth:`Shape.make`: the key is left out (``None`` sends null)."""

    def __repr__(self) -> str:
        return "OMIT"


#: Pass it for a field to leave its key out of the record.
OMIT: Final = _Omit()
_SHAPES: dict[type, Shape] = {}


def shapes() -> Mapping[type, Shape]:
    """Every shape declared so far, by model (a sandbox declares its shapes when it is imported)."""
    return dict(_SHAPES)


class Shape:
    """How the sandboxes write one model's records.

    ``extras``: keys the real server sends that the model does not declare, as the documents
    show them; ``unsent``: fields of the model a sandbox never sends (the documents show them
    elsewhere, or nowhere). Both are checked against the model when the shape is made.
    """

    def __init__(self, model: type, *, extras: Iterable[str] = (), unsent: Iterable[str] = ()) -> None:
        if not attrs.has(model):
            raise TypeError(f"{model!r} is not an attrs class: it declares no fields")
        if model in _SHAPES:
            raise ValueError(f"{model.__name__} already has a shape: declare each once")
        self.model = model
        #: Each field's wire key, by field name, in the model's order.
        self.keys: dict[str, str] = {f.name: wire_key(f) for f in attrs.fields(model) if f.name != "raw"}
        self.extras = frozenset(extras)
        self.unsent = frozenset(unsent)
        if clash := self.extras & set(self.keys.values()):
            raise ValueError(f"{model.__name__} declares {sorted(clash)}: not an extra")
        if unknown := self.unsent - set(self.keys):
            raise ValueError(f"{model.__name__} has no field {sorted(unknown)[0]!r} (unsent)")
        self._names = {**self.keys, **{extra: extra for extra in self.extras}}
        #: Whether every field's key is its name: a mapping by field names is then the record.
        self._as_named = all(name == key for name, key in self.keys.items())
        #: The record of the fields given as keywords (``OMIT``: left out), in the model's order,
        #: then the declared extras given in a mapping (the only positional argument).
        self.make: Callable[..., dict[str, Any]] = _maker(model.__name__, self.keys, self._extras)
        _SHAPES[model] = self

    def __repr__(self) -> str:
        return f"Shape({self.model.__name__})"

    @property
    def wire_keys(self) -> frozenset[str]:
        """Every key a record of this model may carry: the declared fields' and the extras."""
        return frozenset(self._names.values())

    def key(self, name: str) -> str:
        """The wire key of the field ``name``."""
        try:
            return self.keys[name]
        except KeyError:
            raise KeyError(f"{self.model.__name__} has no field {name!r}") from None

    def record(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """The record of ``{field name or declared extra: value}``, in the order given.

        When every field's key is its name (ProctorExam's models) a dictionary is its own
        record and is returned as it is, unchecked: the tests check what it holds.
        """
        if self._as_named and type(values) is dict:
            return values
        names = self._names
        try:
            return {names[name]: value for name, value in values.items()}
        except KeyError as error:
            raise KeyError(
                f"{self.model.__name__} has no field {error.args[0]!r}, nor is it a declared extra"
            ) from None

    def _extras(self, given: Mapping[str, Any]) -> None:
        if unknown := set(given) - self.extras:
            raise KeyError(f"{self.model.__name__}: {sorted(unknown)[0]!r} is not a declared extra")


def _maker(
    name: str, keys: Mapping[str, str], check_extras: Callable[[Mapping[str, Any]], None]
) -> Callable[..., dict[str, Any]]:
    """``make(extras=None, /, *, field=OMIT, …)`` for ``keys``, compiled once."""
    parameters = "".join(f", {field}=_omit" for field in keys)
    lines = [
        "def build(_omit, _check):",
        f"    def make(_extras=None, /, *{parameters}):",
        "        _record = {}",
        *(f"        if {field} is not _omit: _record[{key!r}] = {field}" for field, key in keys.items()),
        "        if _extras:",
        "            _check(_extras)",
        "            _record.update(_extras)",
        "        return _record",
        "    return make",
    ]
    env: dict[str, Any] = {}
    exec(compile("\n".join(lines), f"<record maker {name}>", "exec"), env)  # noqa: S102
    make: Callable[..., dict[str, Any]] = env["build"](OMIT, check_extras)
    return make
