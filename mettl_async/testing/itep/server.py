"""The iTEP sandbox: fulfillment against an inventory of test IDs, and results webhooks.

::

    with SandboxThread(ItepSandbox(SandboxConfig(webhook_url="http://127.0.0.1:8090/itep?token=T"))) as s:
        client = s.client()                    # key, header, encoding and URL filled in
        ...
        await s.sandbox.complete(test_id)      # grade it: POSTs the results webhook

It checks each request as the document describes it: the body's HMAC-SHA256
signature in the configured header (401), then one compact JSON object (400
for the document's own sample with its extra ``}``, or for pretty JSON), then
the fields (400, naming the field; 404 for a product code the account lacks),
then takes an available test ID (409 when none is left). A fault mode acts and
then drops the connection, as a network failure after the server acted would.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import aiohttp
import attrs
import orjson
from aiohttp import web

from ...itep.auth import SignatureEncoding
from ...itep.codes import ANSWER_KEY
from ...itep.config import DEFAULT_SIGNATURE_HEADER, ENV_API_KEY, ENV_FULFILLMENT_URL
from ...itep.results import Stage, stage_of
from ..faults import FaultConfig
from ..kit import PARAMS, Behaviour, Handler, PlatformSandbox, SandboxError, client_keywords
from .body import check_signature, read_compact_object
from .inventory import Inventory, TestRecord
from .reports import COMPLETE, FINISHED, form_body, result_data
from .validate import check_fulfillment

if TYPE_CHECKING:
    from ...itep.client import ItepClient

log = logging.getLogger("mettl_async.itep.sandbox")

PREFIX = "/itep"
FULFILLMENT_PATH = "/fulfillment"


def _encoding(value: str | SignatureEncoding) -> SignatureEncoding:
    return SignatureEncoding.parse(value)


@attrs.frozen
class SandboxConfig:
    """One sandbox iTEP account and how its server behaves."""

    api_key: str = attrs.field(default="sandbox-itep-api-key", repr=False)
    header: str = DEFAULT_SIGNATURE_HEADER
    encoding: SignatureEncoding = attrs.field(default=SignatureEncoding.HEX, converter=_encoding)
    #: Ready test IDs per test type (``GTX-<type>`` and ``STX-<type>`` draw from the same stock).
    inventory: Mapping[str, int] = attrs.field(
        factory=lambda: {"Academic-Plus": 20, "Academic-Core": 20, "Business": 10, "SLATE-Core": 10}
    )
    seed: int = 1
    #: Where results webhooks go (iTEP: "the customer must supply iTEP with the URL of their endpoint").
    webhook_url: str | None = None
    #: Automatic mode: a tracked test reports Finished this many seconds after fulfillment, and
    #: Complete (with scores) as long again after that. ``None``: only :meth:`ItepSandbox.complete`.
    complete_after: float | None = None
    #: Whether the optional "finished, not yet graded" webhook is sent in automatic mode.
    report_finished: bool = True
    #: The next this many fulfillments act (consume a test ID) and then drop the connection.
    drop_after_acting: int = 0
    faults: FaultConfig = attrs.field(factory=FaultConfig)
    rate: float | None = None
    burst: int | None = None
    clock: Callable[[], float] = time.time


@attrs.frozen
class SentEmail:
    """An e-mail an STX fulfillment "sent"."""

    to: str
    bcc: str | None
    test_id: str


@attrs.frozen
class SentWebhook:
    """A results webhook the sandbox posted, and the HTTP status it got (0: no answer)."""

    data: dict[str, Any]
    status: int


class ItepSandbox(PlatformSandbox):
    """The sandbox iTEP account: its inventory, its outbox and its webhooks."""

    prefix = PREFIX
    name = "iTEP"

    def __init__(self, config: SandboxConfig | None = None) -> None:
        self.config = config = config or SandboxConfig()
        super().__init__(Behaviour(config.faults, config.rate, config.burst), config.clock)
        self.inventory = Inventory(config.inventory, config.seed)
        self.webhook_url = config.webhook_url
        self.drop_after_acting = config.drop_after_acting
        self.outbox: list[SentEmail] = []
        self.webhooks: list[SentWebhook] = []
        self._tasks: set[asyncio.Task[None]] = set()

    def routes(self) -> list[tuple[str, str, Handler]]:
        return [("POST", FULFILLMENT_PATH, self._fulfill)]

    def app(self) -> web.Application:
        app = super().app()
        app.on_cleanup.append(self._cancel_pending)
        return app

    async def _cancel_pending(self, app: web.Application) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def read_params(self, request: web.Request) -> dict[str, Any]:
        """The signature over the raw bytes first (401), then the compact JSON object (400)."""
        body = await request.read()
        check_signature(request.headers, body, self.config.api_key, self.config.header, self.config.encoding)
        return read_compact_object(body)

    def authenticate(self, request: web.Request, params: dict[str, Any]) -> None:
        """Already done by :meth:`read_params`: the signature covers the bytes, before any parsing."""

    def render(self, result: Any) -> web.StreamResponse:
        return self.response(200, orjson.dumps(result), {"Content-Type": "application/json"})

    def render_error(self, error: SandboxError) -> web.StreamResponse:
        return self.response(
            error.status, orjson.dumps({"error": error.message}), {"Content-Type": "application/json"}
        )

    # -- fulfillment ------------------------------------------------------------------------------

    async def _fulfill(self, request: web.Request) -> Any:
        body: dict[str, Any] = PARAMS.get()
        order = check_fulfillment(body, self.inventory.test_types)
        test = self.inventory.take(
            order.test_type,
            product_code=order.product_code,
            email=order.email,
            bcc=order.bcc,
            track=order.track,
            assigned_to=order.assigned_to,
            registration=order.registration,
        )
        if test is None:
            raise SandboxError("no-inventory", f"no available test ID for {order.test_type}", 409)
        if order.product_code.startswith("STX-") and order.email is not None:
            self.outbox.append(SentEmail(order.email, order.bcc, test.test_id))
        self._schedule(test)
        if self.drop_after_acting > 0:
            # The test ID is consumed; the answer is lost on the way back.
            self.drop_after_acting -= 1
            if request.transport is not None:
                request.transport.abort()
            raise asyncio.CancelledError
        return {ANSWER_KEY: test.test_id}

    # -- results ----------------------------------------------------------------------------------

    def today(self) -> Any:
        return datetime.fromtimestamp(self.now(), UTC).date()

    async def complete(
        self, test_id: str, status: str = COMPLETE, *, graded: bool | None = None
    ) -> int | None:
        """Move a handed-out test to ``status`` and POST its results webhook.

        Scores are sent when ``graded`` (by default: when the status means complete). Only
        tests fulfilled with a ``track`` code are reported, as iTEP does, and only when a
        webhook URL is set; otherwise ``None``. Returns the webhook's HTTP status.
        """
        test = self.inventory.set_status(test_id, status)
        data = self.result_of(test, status, graded)
        if not test.track or not self.webhook_url:
            return None
        return await self.deliver(data)

    def result_of(self, test: TestRecord, status: str, graded: bool | None = None) -> dict[str, Any]:
        """The ``data`` object of ``test`` at ``status``."""
        if graded is None:
            graded = stage_of(status) is Stage.COMPLETE
        return result_data(test, status, self.today(), self.config.seed, graded)

    async def deliver(self, data: dict[str, Any]) -> int:
        """POST one results webhook (form field ``data``) to the webhook URL; its HTTP status."""
        if not self.webhook_url:
            raise RuntimeError("the sandbox has no webhook_url to post results to")
        async with (
            aiohttp.ClientSession() as http,
            http.post(
                self.webhook_url,
                data=form_body(data),
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            ) as response,
        ):
            await response.read()
            self.webhooks.append(SentWebhook(data, response.status))
            return response.status

    def _schedule(self, test: TestRecord) -> None:
        if self.config.complete_after is None or not test.track or not self.webhook_url:
            return
        task = asyncio.get_running_loop().create_task(self._report_later(test.test_id))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _report_later(self, test_id: str) -> None:
        delay = self.config.complete_after or 0.0
        steps = ((FINISHED, False), (COMPLETE, True)) if self.config.report_finished else ((COMPLETE, True),)
        for status, graded in steps:
            await asyncio.sleep(delay)
            try:
                await self.complete(test_id, status, graded=graded)
            except (aiohttp.ClientError, OSError) as error:
                log.warning("results webhook for %s (%s) not delivered: %s", test_id, status, error)
                self.webhooks.append(SentWebhook(self.result_of(self.inventory.tests[test_id], status), 0))

    def client(self, base_url: str, **kwargs: Any) -> ItepClient:
        """A client with this sandbox's key, header, encoding and fulfillment URL."""
        from ...itep.client import ItepClient

        return ItepClient(
            self.config.api_key,
            url=base_url + FULFILLMENT_PATH,
            signature_header=self.config.header,
            signature_encoding=self.config.encoding,
            environ={},
            **client_keywords(kwargs),
        )

    @classmethod
    def sized(
        cls, records: int, *, seed: int = 1, rate: float | None = None, faults: FaultConfig | None = None
    ) -> ItepSandbox:
        """``records`` ready test IDs of each test type."""
        stock = {test_type: records for test_type in SandboxConfig().inventory}
        return cls(SandboxConfig(inventory=stock, seed=seed, rate=rate, faults=faults or FaultConfig()))

    def exports(self, base_url: str) -> dict[str, str]:
        return {ENV_FULFILLMENT_URL: base_url + FULFILLMENT_PATH, ENV_API_KEY: self.config.api_key}
