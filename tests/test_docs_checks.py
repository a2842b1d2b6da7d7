"""The reference's own rules (docs/_ext): what the build refuses to show, and how attrs defaults are
written, tested on text without building (the build itself runs them: python -m nox -s docs)."""

from __future__ import annotations

import enum
import sys
import time
from pathlib import Path

import attrs
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "docs" / "_ext"))

from docrules import (
    LARGEST_PAGE,
    attrs_defaults,
    cut,
    default_text,
    signature_problems,
    size_problems,
    text_problems,
    title_problems,
    with_defaults,
)

from mettl_async import ClientOptions, RetryPolicy


@pytest.mark.parametrize(
    "signature",
    [
        "RetryPolicy(attempts: int = attr_dict['attempts'].default)",
        "ClientOptions(*, headers: Mapping[str, str] = NOTHING)",
    ],
)
def test_a_placeholder_in_a_signature_is_refused(signature: str) -> None:
    assert signature_problems(signature)
    assert signature_problems("RetryPolicy(attempts: int = 5, nothing_here: bool = False)") == []


EN, EM = "\u2013", "\u2014"


def test_a_path_repr_and_an_option_with_a_typographic_dash_are_refused() -> None:
    assert text_problems("DEFAULT: PosixPath('mettl-demo.jsonl')", literal=True)
    assert text_problems(f"see each command's {EN}help")
    assert text_problems(f"({EN}exam-status open)")
    assert text_problems(f"see each command's {EN}help", literal=True) == []  # code is as written
    assert text_problems(f"v1{EN}v3 and 1{EN}500, a pause {EM} then more") == []


@pytest.mark.parametrize("title", ["Progress (issue 10): the readings", "iTEP (seed `003`, the overview)"])
def test_an_internal_label_in_a_title_is_refused(title: str) -> None:
    assert title_problems(title)
    assert title_problems("Synchronous clients and event loops") == []


def test_a_page_over_a_megabyte_is_refused() -> None:
    assert size_problems(LARGEST_PAGE + 1)
    assert size_problems(LARGEST_PAGE) == []


class Colour(enum.Enum):
    RED = "red"


@attrs.frozen
class Example:
    count: int = 5
    colour: Colour = Colour.RED
    clock: object = time.time
    names: list[str] = attrs.field(factory=list)
    options: ClientOptions = attrs.field(factory=ClientOptions)
    made: list[int] = attrs.field(factory=lambda: [1])
    _private: int = 0


def test_attrs_defaults_are_written_as_python_a_reader_knows() -> None:
    assert attrs_defaults(Example) == {
        "count": "5",
        "colour": "Colour.RED",
        "clock": "time.time",
        "names": "list()",
        "options": "ClientOptions()",
        "made": "…",
        "private": "0",
    }
    assert default_text("x" * 1000) == cut(repr("x" * 1000))
    assert len(default_text("x" * 1000)) == 200


def test_placeholders_become_the_defaults_and_nothing_else_changes() -> None:
    written = with_defaults(
        "(a: dict[str, int], names: list[str] = NOTHING, count: int = attr_dict['count'].default, "
        "recount: int = NOTHING)",
        {"names": "list()", "count": "5"},
    )
    assert written == "(a: dict[str, int], names: list[str] = list(), count: int = 5, recount: int = NOTHING)"


def test_the_real_options_and_policy_have_their_defaults() -> None:
    assert attrs_defaults(RetryPolicy)["attempts"] == "5"
    assert attrs_defaults(ClientOptions)["clock"] == "time.time"


def test_containers_of_enums_are_written_as_source() -> None:
    assert default_text(frozenset({Colour.RED})) == "frozenset({Colour.RED})"
    assert default_text((Colour.RED,)) == "(Colour.RED,)"
    assert default_text({"a": [1, Colour.RED]}) == "{'a': [1, Colour.RED]}"
    assert default_text(()) == "()"


def test_a_private_attributes_placeholder_is_found_by_its_argument() -> None:
    assert with_defaults("(order: list | None = attr_dict['_order'].default)", {"order": "None"}) == (
        "(order: list | None = None)"
    )
