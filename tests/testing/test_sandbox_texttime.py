"""The sandboxes' fast text (dates from tables, tokens from ``bytes.hex``) says exactly what the
slow, obvious code says."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta, timezone
from email.utils import format_datetime

from mettl_async.testing.certicheck.formats import START, at_ms, epoch_ms, ist_from_ms, ist_string
from mettl_async.testing.mettl_rest.rows import gmt
from mettl_async.testing.proctorexam.records import EPOCH, hex_token, stamp, stamp_after, token_text

RNG = random.Random(4)


def test_proctorexam_stamps_from_tables_are_isoformat() -> None:
    for ms in [0, 1, 86_399_999, *(RNG.randrange(400 * 86_400_000) for _ in range(5_000))]:
        assert stamp_after(ms) == stamp(EPOCH + timedelta(milliseconds=ms))
    far = 20 * 365 * 86_400_000  # past the table: datetime does it
    assert stamp_after(far) == stamp(EPOCH + timedelta(milliseconds=far))
    assert stamp_after(0) == "2024-01-08T09:00:00.000+01:00"


def test_proctorexam_hex_tokens_are_the_token_text() -> None:
    for _ in range(2_000):
        raw = RNG.randbytes(16)
        assert hex_token(raw) == token_text(raw, 32, "0123456789abcdef")


def test_rest_gmt_is_email_utils() -> None:
    for _ in range(5_000):
        zone = timezone(timedelta(minutes=RNG.randrange(-720, 720, 15)))
        moment = datetime(2001, 1, 1, tzinfo=zone) + timedelta(seconds=RNG.randrange(10**9))
        assert gmt(moment) == format_datetime(moment.astimezone(UTC), usegmt=True)


def test_certicheck_ist_from_tables_and_exact_epoch_ms() -> None:
    for ms in (RNG.randrange(950 * 86_400_000) for _ in range(5_000)):
        assert ist_from_ms(ms) == ist_string(at_ms(ms))
        assert epoch_ms(at_ms(ms)) == int(START.timestamp()) * 1000 + ms
    # The document's sample: 2019-04-26 12:47:24.217 IST.
    sample = datetime(2019, 4, 26, 7, 17, 24, 217_000, tzinfo=UTC)
    assert epoch_ms(sample) == 1556263044217
