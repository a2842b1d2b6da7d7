"""Receivers behind one address share what they handled through Redis: a delivery one landed is
acknowledged by the others without landing it again; one that failed is not remembered."""

from __future__ import annotations

import uuid

import pytest

from mettl_async.redisstore.deliveries import SharedRecentKeys
from mettl_async.redisstore.registry import BudgetRegistry
from mettl_async.webhooks import Delivery, RecentKeys, receive
from tests.support.redisserver import RedisServer
from tests.webhooks.test_webhooks import TOY


@pytest.mark.parametrize("shared", [True, False], ids=["through-redis", "each-its-own"])
async def test_a_delivery_one_receiver_landed_is_acknowledged_by_another(
    redis_server: RedisServer, shared: bool
) -> None:
    landed: list[object] = []
    registry = BudgetRegistry(redis_server.url)

    def receiver() -> RecentKeys:
        return SharedRecentKeys(registry.link) if shared else RecentKeys()

    first, second = receiver(), receiver()
    body = f'{{"id": {uuid.uuid4().int >> 80}}}'.encode()
    assert await receive(TOY, body, "", landed.append, recent=first) == (200, "received")
    if isinstance(first, SharedRecentKeys):
        await first.drain()
    answer = await receive(TOY, body, "", landed.append, recent=second)
    if shared:
        assert answer == (200, "already received")
        assert len(landed) == 1
    else:  # what each receiver alone knows: the redelivery is landed again
        assert len(landed) == 2
    await registry.aclose()


async def test_a_failed_delivery_is_not_remembered(redis_server: RedisServer) -> None:
    calls: list[object] = []
    registry = BudgetRegistry(redis_server.url)
    first, second = SharedRecentKeys(registry.link), SharedRecentKeys(registry.link)

    def failing(delivery: Delivery) -> None:
        calls.append(delivery.key)
        raise OSError("disk full")

    body = f'{{"id": {uuid.uuid4().int >> 80}}}'.encode()
    assert (await receive(TOY, body, "", failing, recent=first))[0] == 500
    await first.drain()
    assert (await receive(TOY, body, "", calls.append, recent=second)) == (200, "received")
    assert len(calls) == 2
    await registry.aclose()
