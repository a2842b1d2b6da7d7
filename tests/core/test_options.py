"""One ClientOptions for every client: checked when made, reachable from every client, replaced by
``with_options`` (per-call options keep the session; the others get a session of their own)."""

from __future__ import annotations

import aiohttp
import pytest

from mettl_async import CertiCheckClient, ClientOptions, RetryPolicy, Timeout
from mettl_async.core.errors import ConfigurationError
from mettl_async.platforms import PLATFORMS
from mettl_async.sync import CertiCheckClient as SyncCertiCheckClient
from mettl_async.testing.runner import SandboxThread


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"concurrency": 0}, "concurrency must be an integer >= 1"),
        ({"concurrency": True}, "concurrency must be an integer >= 1"),
        ({"prefetch": 0}, "prefetch must be an integer >= 1"),
        ({"rate": -1}, "rate must be a number of requests per second > 0"),
        ({"rate": float("nan")}, "rate must be a number"),
        ({"rate_ceiling": 0}, "rate_ceiling must be"),
        ({"burst": 0}, "burst must be an integer >= 1"),
        ({"timeout": 0}, "timeout must be a number of seconds > 0"),
        ({"timeout": "5"}, "timeout must be a number of seconds > 0"),
        ({"max_response_bytes": 0}, "max_response_bytes must be an integer >= 1"),
        ({"retry": 3}, "retry must be a RetryPolicy"),
        ({"headers": {"X": 1}}, "headers must map text to text"),
        ({"clock": 5}, "clock must be a function"),
    ],
)
def test_a_bad_option_is_refused_naming_it(changes: dict[str, object], named: str) -> None:
    with pytest.raises(ConfigurationError, match=named):
        ClientOptions(**changes)  # type: ignore[arg-type]


def test_a_bad_timeout_bound_is_refused_naming_it() -> None:
    with pytest.raises(ConfigurationError, match=r"timeout\.connect must be a number of seconds > 0, got -1"):
        Timeout(connect=-1)


def test_an_unknown_option_names_the_known_ones() -> None:
    known = "unknown client option 'rates'; the options are: rate, burst"
    with pytest.raises(ConfigurationError, match=known):
        ClientOptions().replace(rates=5)


def test_a_number_is_a_total_timeout_and_none_the_default_retry() -> None:
    options = ClientOptions(timeout=5, retry=None)  # type: ignore[arg-type]
    assert options.timeout == Timeout(total=5.0)
    assert options.retry == RetryPolicy()


@pytest.mark.parametrize("entry", PLATFORMS, ids=lambda entry: entry.name)
def test_every_client_takes_every_option(entry: object) -> None:
    options = ClientOptions(rate=7, concurrency=3, prefetch=2, headers={"X-Trace": "1"}, timeout=9)
    settings = {"url": "https://itep.example/fulfill", "api_key": "k" * 20, "public_key": "pk"}
    settings |= {"private_key": "sk", "subdomain": "acme", "proctorexam_base_url": "https://x.example/api/v3"}
    settings |= {"proctorexam_api_token": "t", "proctorexam_secret_key": "s"}
    client = entry.connect(settings, options)  # type: ignore[attr-defined]
    assert client.options is options
    assert client.session.options is options
    assert client.session.limiter.rate == 7
    assert client.session.concurrency == 3
    view = client.with_options(retry=RetryPolicy.never())
    assert view.options.retry == RetryPolicy.never()
    assert view.options.rate == 7


async def test_per_call_options_keep_the_session_and_others_get_their_own(
    certicheck_sandbox: SandboxThread,
) -> None:
    async with certicheck_sandbox.client() as client:
        quick = client.with_options(timeout=5, prefetch=1, headers={"X-Trace": "t"})
        assert quick.session is client.session
        await quick.tests.list()
        assert certicheck_sandbox.sandbox.requests[-1].headers["X-Trace"] == "t"
        slow = client.with_options(rate=1000, concurrency=2)
        assert slow.session is not client.session
        assert slow.session.concurrency == 2
        await slow.tests.list(page_size=3)
        assert slow.stats.requests == 1
        assert client.stats.requests == 1
        http = slow.session.http
        assert http is not None
        assert not http.closed
    assert http.closed  # the view's session is closed with its client


async def test_your_own_aiohttp_session_is_an_option_and_stays_open(
    certicheck_sandbox: SandboxThread,
) -> None:
    async with aiohttp.ClientSession() as http:
        async with certicheck_sandbox.client(http=http) as client:
            await client.tests.list()
            assert client.session.http is http
        assert not http.closed


def test_the_synchronous_client_refuses_an_aiohttp_session() -> None:
    with pytest.raises(ConfigurationError, match=r"options\.http: an aiohttp session belongs"):
        SyncCertiCheckClient("pk", "sk", "acme", options=ClientOptions(http=object()))  # type: ignore[arg-type]
    client = SyncCertiCheckClient("pk", "sk", "acme")
    with pytest.raises(ConfigurationError, match="http: the synchronous client runs on a loop of its own"):
        client.with_options(http=object())
    client.close()


def test_the_client_takes_nothing_but_options() -> None:
    with pytest.raises(ConfigurationError, match="options must be a ClientOptions"):
        CertiCheckClient("pk", "sk", "acme", options={"rate": 5})  # type: ignore[arg-type]
