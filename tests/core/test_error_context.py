"""An ``ApiError`` carries the request behind it, as the best SDKs' errors do: ``method``, ``url``
(every credential masked), the response's ``headers``, a ``request_id`` when the server sends
one, and how many ``attempts`` were made."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from mettl_async import ApiError, AuthenticationError, CertiCheckClient, RetryPolicy, ServerError
from mettl_async.core.responses import REQUEST_ID_HEADERS, request_id
from mettl_async.testing import FaultConfig, SandboxThread
from mettl_async.testing.certicheck import SandboxConfig

StartSandbox = Callable[..., SandboxThread]
QUICK = RetryPolicy(attempts=3, backoff_initial=0.001, backoff_max=0.002, jitter=0.0)


async def test_a_refusal_names_its_request_without_credentials(
    certicheck_sandbox_factory: StartSandbox,
) -> None:
    sandbox = certicheck_sandbox_factory(SandboxConfig(applicants=5))
    config = sandbox.sandbox.config
    async with CertiCheckClient(
        config.public_key, "not-the-key", config.subdomain, base_url=sandbox.base_url
    ) as mettl:
        with pytest.raises(AuthenticationError) as caught:
            await mettl.tests.list()
    error = caught.value
    assert error.method == "GET"
    assert error.url is not None
    assert error.url.startswith(f"{sandbox.base_url}/tests?")
    assert "asgn=REDACTED" in error.url
    assert "not-the-key" not in error.url
    assert error.headers.get("Date")
    assert error.request_id is None  # the sandbox, as the documents, names no request id header
    assert error.attempts == 1


async def test_attempts_count_the_retries_behind_the_error(certicheck_sandbox_factory: StartSandbox) -> None:
    faults = FaultConfig(rate=1.0, seed=1, kinds="html5xx")
    sandbox = certicheck_sandbox_factory(SandboxConfig(applicants=5, faults=faults))
    async with sandbox.client(retry=QUICK) as mettl:
        with pytest.raises(ServerError) as caught:
            await mettl.tests.list()
    assert caught.value.attempts == 3
    assert caught.value.method == "GET"


async def test_a_404_without_a_code_says_which_request_got_it(
    certicheck_sandbox_factory: StartSandbox,
) -> None:
    sandbox = certicheck_sandbox_factory(SandboxConfig(applicants=5))
    config = sandbox.sandbox.config
    wrong = sandbox.base_url.replace("/v2", "/v9")
    async with CertiCheckClient(
        config.public_key, config.private_key, config.subdomain, base_url=wrong
    ) as mettl:
        with pytest.raises(ApiError) as caught:
            await mettl.tests.list()
    assert str(caught.value) == f"HTTP 404 from GET {sandbox.base_url.replace('/v2', '/v9')}/tests: Not Found"


@pytest.mark.parametrize("name", REQUEST_ID_HEADERS)
def test_a_request_id_is_read_from_any_common_header(name: str) -> None:
    from multidict import CIMultiDict

    assert request_id(CIMultiDict({name.lower(): " req-42 "})) == "req-42"
    assert request_id(CIMultiDict({"X-Request-Id": "a\x1b[2Jb"})) == "a\\x1b[2Jb"  # never a terminal control
    assert request_id(CIMultiDict()) is None
