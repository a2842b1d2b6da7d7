"""Fault injection for the sandbox: which authenticated requests fail, and how.

Faults strike after authentication and before the endpoint acts, as an
overloaded server or a proxy in front of it would, so the request had no
effect. The choice comes from ``random.Random(seed)``: a given sequence of
requests meets the same faults on every run.
"""

from __future__ import annotations

import enum
import random
from collections.abc import Iterable

import attrs


class Fault(enum.Enum):
    E000 = "e000"  #: HTTP 200 with the E000 "Some Error Occurred" envelope
    HTML_5XX = "html5xx"  #: 502/503 with an HTML page, or 504 with an empty body
    DROP = "drop"  #: the connection is closed without an answer
    SLOW = "slow"  #: the answer comes ``slow_seconds`` late (then succeeds)
    RATE_LIMIT = "429"  #: HTTP 429 with ``Retry-After``
    CUT = "cut"  #: the endpoint acts, then the answer is cut off half-way through its body


def _kinds(value: str | Iterable[Fault | str]) -> tuple[Fault, ...]:
    """Faults from their values: ``"e000,drop"`` or ``[Fault.E000, "drop"]``."""
    items = value.split(",") if isinstance(value, str) else value
    return tuple(Fault(k.strip()) if isinstance(k, str) else k for k in items if k)


@attrs.frozen
class FaultConfig:
    """``rate`` is the share of requests that meet a fault (0 to 1)."""

    rate: float = attrs.field(default=0.0, validator=[attrs.validators.ge(0.0), attrs.validators.le(1.0)])
    seed: int = 0
    kinds: tuple[Fault, ...] = attrs.field(default=tuple(Fault), converter=_kinds)
    slow_seconds: float = 0.5
    retry_after: float = 1.0


@attrs.frozen
class AfterActing:
    """Write requests (any method but GET) that act and then lose their answer, as a network that
    fails on the way back would: the first ``count`` of them, then a ``rate`` share (drawn from
    ``random.Random(seed)``). Only a request the endpoint carried out is dropped: a refusal is
    answered."""

    count: int = attrs.field(default=0, validator=attrs.validators.ge(0))
    rate: float = attrs.field(default=0.0, validator=[attrs.validators.ge(0.0), attrs.validators.le(1.0)])
    seed: int = 0


def after_acting(value: AfterActing | int) -> AfterActing:
    """``AfterActing``, or a count: the next that many writes act and then drop."""
    return value if isinstance(value, AfterActing) else AfterActing(count=value)


class AnswerDropper:
    """Decides, write by write, whether the answer of a request that acted is lost."""

    def __init__(self, config: AfterActing) -> None:
        self.left = config.count
        self.rate = config.rate
        self._rng = random.Random(config.seed)
        self.dropped = 0

    def pick(self) -> bool:
        if self.left > 0:
            self.left -= 1
        elif not (self.rate and self._rng.random() < self.rate):
            return False
        self.dropped += 1
        return True


class FaultInjector:
    def __init__(self, config: FaultConfig) -> None:
        self.config = config
        self._rng = random.Random(config.seed)
        self.injected: dict[Fault, int] = dict.fromkeys(Fault, 0)

    def pick(self) -> Fault | None:
        if not self.config.kinds or self._rng.random() >= self.config.rate:
            return None
        fault = self._rng.choice(self.config.kinds)
        self.injected[fault] += 1
        return fault

    def html_status(self) -> int:
        return self._rng.choice((502, 503, 504))
