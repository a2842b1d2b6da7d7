"""Many accounts of one platform on one server, each a sandbox of its own.

A CertiCHECK partner runs one subdomain per client; a testing company has dozens of keys.
:class:`AccountsSandbox` serves such a fleet: each account is its platform's sandbox
(:meth:`~.kit.PlatformSandbox.for_account`: its own credentials, data generated from its name,
rate limit, used signatures and recorded requests), and each request goes to the account it
names, as the platform tells accounts apart (CertiCHECK by subdomain, the others by key). A
request naming no account of the fleet goes to the first, whose check refuses it as the
platform refuses an unknown key::

    certicheck = AccountsSandbox.of(CertiCheckSandbox, ["acme", "globex"], records=50, rate=5)
    with SandboxThread(certicheck) as server:
        ...
    certicheck.accounts["acme"].requests  # what acme's account saw, counted at the server
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from aiohttp import web

from .faults import FaultConfig
from .kit import Behaviour, Handler, PlatformSandbox, RecordedRequest, SandboxError


class AccountsSandbox(PlatformSandbox):
    """Accounts of one platform, by label, each served by its own sandbox."""

    def __init__(self, accounts: Mapping[str, PlatformSandbox]) -> None:
        if not accounts:
            raise ValueError("an accounts sandbox needs at least one account")
        self.accounts = dict(accounts)
        first = next(iter(self.accounts.values()))
        kinds = {type(sandbox) for sandbox in self.accounts.values()}
        if len(kinds) > 1:
            raise ValueError("the accounts of an accounts sandbox are of one platform")
        self.first = first
        self.prefix = first.prefix
        self.name = first.name
        super().__init__(Behaviour(), first.clock)
        self._by_key = {sandbox.account_key(): sandbox for sandbox in self.accounts.values()}

    @classmethod
    def of(
        cls,
        platform: type[PlatformSandbox],
        labels: Iterable[str],
        *,
        records: int = 50,
        rate: float | None = None,
        burst: int | None = None,
    ) -> AccountsSandbox:
        """An account of ``platform`` per label, each with ``records`` records and the server
        limit ``rate`` (requests per second; ``burst`` at once)."""
        return cls({label: platform.for_account(label, records, rate=rate, burst=burst) for label in labels})

    def account(self, request: web.Request) -> PlatformSandbox:
        """The account ``request`` is for (the first when it names none of them)."""
        return self._by_key.get(self.first.account_of(request) or "", self.first)

    def app(self) -> web.Application:
        handlers = {
            id(sandbox): {(method, path): handler for method, path, handler in sandbox.routes()}
            for sandbox in self.accounts.values()
        }
        app = web.Application(client_max_size=16 * 1024 * 1024)
        for method, path, _ in self.first.routes():
            app.router.add_route(method, path, self._dispatch(method, path, handlers))
        return app

    def _dispatch(
        self, method: str, path: str, handlers: dict[int, dict[tuple[str, str], Handler]]
    ) -> Handler:
        async def dispatch(request: web.Request) -> web.StreamResponse:
            sandbox = self.account(request)
            return await sandbox.serve(request, handlers[id(sandbox)][(method, path)])

        return dispatch

    # -- what the server counts ------------------------------------------------------------------

    def requests_of(self, label: str) -> list[RecordedRequest]:
        """Every request the account ``label`` saw."""
        return list(self.accounts[label].requests)

    def throttled(self) -> dict[str, int]:
        """Requests each account refused for its rate (429, or the platform's own code)."""
        return {
            label: sum(1 for r in sandbox.requests if r.error_code in ("429", "E509"))
            for label, sandbox in self.accounts.items()
        }

    def busiest_second(self, label: str) -> int:
        """The most requests the account ``label`` received in any one second (its clock)."""
        times = sorted(r.received_at for r in self.accounts[label].requests)
        most, start = 0, 0
        for end, at in enumerate(times):
            while times[start] <= at - 1.0:
                start += 1
            most = max(most, end - start + 1)
        return most

    def exports_of(self, label: str, base_url: str) -> dict[str, str]:
        """The environment variables that point a client at the account ``label``."""
        return self.accounts[label].exports(base_url)

    # -- the platform's own faces, from the first account (this server renders nothing itself) --

    def routes(self) -> list[tuple[str, str, Handler]]:
        return self.first.routes()

    async def read_params(self, request: web.Request) -> dict[str, Any]:
        return await self.first.read_params(request)

    def authenticate(self, request: web.Request, params: dict[str, Any]) -> None:
        self.account(request).authenticate(request, params)

    def render(self, result: Any) -> web.StreamResponse:
        return self.first.render(result)

    def render_error(self, error: SandboxError) -> web.StreamResponse:
        return self.first.render_error(error)

    def client(self, base_url: str, **kwargs: Any) -> Any:
        """A client of the first account."""
        return self.first.client(base_url, **kwargs)

    @classmethod
    def sized(
        cls, records: int, *, seed: int = 1, rate: float | None = None, faults: FaultConfig | None = None
    ) -> AccountsSandbox:
        raise NotImplementedError("an accounts sandbox is made with AccountsSandbox.of")
