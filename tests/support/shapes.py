"""What a sandbox sends, record by record, against what its platform's models declare.

The records come typed from a client over loopback (the models read them); each keeps the
mapping it was read from in ``raw``, nested records included. A sandbox's record may carry a
key only if its model declares it or its shape (``mettl_async.testing.shapes``) lists it as
an extra; and over a crawl, every key a shape allows must have been sent, unless the shape
says the field is never sent.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Iterable, Iterator
from typing import Any

import attrs

from mettl_async.core.records import Record
from mettl_async.testing.shapes import Shape, shapes


def records_in(values: Iterable[Any]) -> Iterator[Record]:
    """Every record among ``values``, and every record nested in them (fields holding records
    or lists of records)."""
    for value in values:
        if isinstance(value, Record):
            yield value
            for field in attrs.fields(type(value)):
                inner = getattr(value, field.name)
                yield from records_in(inner if isinstance(inner, list) else [inner])


def keys_sent(values: Iterable[Any]) -> dict[type, set[str]]:
    """The keys the records of each model carried, over all of them."""
    seen: dict[type, set[str]] = {}
    for record in records_in(values):
        seen.setdefault(type(record), set()).update(record.raw)
    return seen


def platform_shapes(platform: str) -> dict[type, Shape]:
    """The shapes of ``platform``'s models (``mettl_async.<platform>.…``)."""
    return {m: s for m, s in shapes().items() if m.__module__.startswith(f"mettl_async.{platform}.")}


def undeclared(seen: dict[type, set[str]]) -> dict[str, set[str]]:
    """Keys sent that neither the model declares nor its shape lists as extras, by model
    (a model sent with no shape at all counts all its keys)."""
    found: dict[str, set[str]] = {}
    for model, keys in seen.items():
        shape = shapes().get(model)
        extra = keys - (shape.wire_keys if shape else set())
        if extra:
            found[model.__name__] = extra
    return found


def unsent(seen: dict[type, set[str]], platform: str) -> dict[str, set[str]]:
    """Keys of ``platform``'s shapes that no record carried (fields declared never sent aside)."""
    found: dict[str, set[str]] = {}
    for model, shape in platform_shapes(platform).items():
        expected = shape.wire_keys - {shape.key(name) for name in shape.unsent}
        missing = set(expected - seen.get(model, set()))
        if missing:
            found[model.__name__] = missing
    return found


def run_renamed(
    renames: dict[str, tuple[str, str]], script: str, *, edits: dict[str, tuple[str, str]] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``script`` in a fresh interpreter where each ``"module:Model": (field, key)`` of
    ``renames`` has been given the wire key ``key``, and each ``"module": (old, new)`` of ``edits``
    is imported with ``old`` replaced by ``new`` in its source, before any sandbox is imported."""
    prelude = textwrap.dedent(
        """
        import importlib
        import importlib.abc
        import importlib.util
        import sys

        import attrs

        class Edited(importlib.abc.MetaPathFinder, importlib.abc.Loader):
            def __init__(self, name, old, new):
                self.name, self.old, self.new = name, old, new

            def find_spec(self, fullname, path, target=None):
                if fullname != self.name:
                    return None
                sys.meta_path.remove(self)
                spec = importlib.util.find_spec(fullname)
                sys.meta_path.insert(0, self)
                self.origin = spec.origin
                return importlib.util.spec_from_file_location(fullname, spec.origin, loader=self)

            def create_module(self, spec):
                return None

            def exec_module(self, module):
                with open(self.origin, encoding="utf-8") as file:
                    source = file.read()
                assert self.old in source, (self.name, self.old)
                exec(compile(source.replace(self.old, self.new), self.origin, "exec"), module.__dict__)

        def rename(target, field, key):
            module, _, name = target.partition(":")
            model = getattr(importlib.import_module(module), name)
            old = model.__attrs_attrs__
            assert field in attrs.fields_dict(model), (target, field)
            model.__attrs_attrs__ = type(old)(
                a.evolve(metadata={**a.metadata, "key": key}) if a.name == field else a for a in old
            )
        """
    )
    lines = [
        prelude,
        *(
            f"sys.meta_path.insert(0, Edited({m!r}, {old!r}, {new!r}))"
            for m, (old, new) in (edits or {}).items()
        ),
        *(f"rename({t!r}, {f!r}, {k!r})" for t, (f, k) in renames.items()),
    ]
    source = "\n".join([*lines, textwrap.dedent(script)])
    return subprocess.run([sys.executable, "-c", source], capture_output=True, text=True, timeout=120)
