"""The platforms, each declared once: the only list of them.

Every face reads this registry: the command line (each platform's settings as
options, its harvest kinds, its bulk writes, ``sandbox`` and ``demo``), the webhook server (each
platform's webhook source), the pytest fixtures, the synchronous clients'
generator and the reference. Adding a platform is one folder beside the others
(client, services, models, harvest kinds; its sandbox under ``testing/``) and one
entry in :data:`PLATFORMS`.

Clients and sandboxes are imported on first use, so that reading the registry
(``mettl-async --help``) costs no aiohttp.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import attrs

from .certicheck.harvest import KINDS as CERTICHECK_KINDS
from .certicheck.harvest import SETTINGS as CERTICHECK_SETTINGS
from .core.account import key_label
from .core.errors import ConfigurationError
from .core.settings import Setting
from .harvest.kinds import HarvestKind
from .itep.harvest import SETTINGS as ITEP_SETTINGS
from .itep.webhooks import SOURCE as ITEP_WEBHOOKS
from .mettl_rest.harvest import KINDS as METTL_REST_KINDS
from .mettl_rest.harvest import SETTINGS as METTL_REST_SETTINGS
from .mettl_rest.webhooks import SOURCE as METTL_REST_WEBHOOKS
from .proctorexam.harvest import KINDS as PROCTOREXAM_KINDS
from .proctorexam.harvest import SETTINGS as PROCTOREXAM_SETTINGS
from .webhooks.receiver import WebhookSource

if TYPE_CHECKING:
    from .core.client import BaseClient
    from .core.options import ClientOptions
    from .onboard.model import Operation
    from .testing.kit import PlatformSandbox


@attrs.frozen
class Platform:
    """One platform: what it is called, how a client reaches it, what it lists and pushes."""

    #: The folder's name; the sandbox fixtures are ``<name>_sandbox``.
    name: str
    #: How people call it (help, progress, the reference).
    title: str
    settings: tuple[Setting, ...]
    #: The lists ``mettl-async harvest`` pulls.
    kinds: tuple[HarvestKind, ...]
    #: The async client class, imported on first use.
    load_client: Callable[[], type[BaseClient]] = attrs.field(repr=False)
    #: The sandbox class (the testing wing), imported on first use.
    load_sandbox: Callable[[], type[PlatformSandbox]] = attrs.field(repr=False)
    #: What the platform pushes to ``mettl-async webhooks serve``, if anything.
    webhook: WebhookSource | None = None
    #: The bulk writes ``mettl-async onboard`` makes (:mod:`mettl_async.onboard`), imported on
    #: first use: a process that makes none (``webhooks serve``) keeps them out of its heap.
    load_operations: Callable[[], tuple[Operation, ...]] = attrs.field(default=lambda: (), repr=False)

    def connect(self, settings: Mapping[str, Any], options: ClientOptions | None = None) -> BaseClient:
        """A client from the command line's settings (by each :class:`Setting`'s name) and options."""
        factory: Callable[..., BaseClient] = self.load_client()
        return factory(**{s.keyword: settings.get(s.name) for s in self.settings}, options=options)

    def budget_name(self, settings: Mapping[str, Any]) -> str:
        """The name of the rate budget of the key ``settings`` hold (by each :class:`Setting`'s
        name): the platform and a keyed hash of its secret settings, so every process and every
        label using one key share one budget, and no key is ever shown."""
        secrets = "\n".join(str(settings.get(s.name) or "") for s in self.settings if s.secret)
        return f"{self.name}:{key_label(secrets)}"


def _certicheck_operations() -> tuple[Operation, ...]:
    from .onboard.certicheck import OPERATIONS

    return OPERATIONS


def _mettl_rest_operations() -> tuple[Operation, ...]:
    from .onboard.mettl_rest import OPERATIONS

    return OPERATIONS


def _itep_operations() -> tuple[Operation, ...]:
    from .onboard.itep import OPERATIONS

    return OPERATIONS


def _certicheck_client() -> type[BaseClient]:
    from .certicheck.client import CertiCheckClient

    return CertiCheckClient


def _certicheck_sandbox() -> type[PlatformSandbox]:
    from .testing.certicheck import CertiCheckSandbox

    return CertiCheckSandbox


def _mettl_rest_client() -> type[BaseClient]:
    from .mettl_rest.client import MettlClient

    return MettlClient


def _mettl_rest_sandbox() -> type[PlatformSandbox]:
    from .testing.mettl_rest import MettlRestSandbox

    return MettlRestSandbox


def _proctorexam_client() -> type[BaseClient]:
    from .proctorexam.client import ProctorExamClient

    return ProctorExamClient


def _proctorexam_sandbox() -> type[PlatformSandbox]:
    from .testing.proctorexam import ProctorExamSandbox

    return ProctorExamSandbox


def _itep_client() -> type[BaseClient]:
    from .itep.client import ItepClient

    return ItepClient


def _itep_sandbox() -> type[PlatformSandbox]:
    from .testing.itep import ItepSandbox

    return ItepSandbox


#: Every platform, each once.
PLATFORMS: tuple[Platform, ...] = (
    Platform(
        name="certicheck",
        title="Mettl CertiCHECK v2",
        settings=CERTICHECK_SETTINGS,
        kinds=CERTICHECK_KINDS,
        load_client=_certicheck_client,
        load_sandbox=_certicheck_sandbox,
        load_operations=_certicheck_operations,
    ),
    Platform(
        name="mettl_rest",
        title="Mettl REST API",
        settings=METTL_REST_SETTINGS,
        kinds=METTL_REST_KINDS,
        load_client=_mettl_rest_client,
        load_sandbox=_mettl_rest_sandbox,
        webhook=METTL_REST_WEBHOOKS,
        load_operations=_mettl_rest_operations,
    ),
    Platform(
        name="proctorexam",
        title="ProctorExam API v3",
        settings=PROCTOREXAM_SETTINGS,
        kinds=PROCTOREXAM_KINDS,
        load_client=_proctorexam_client,
        load_sandbox=_proctorexam_sandbox,
    ),
    Platform(
        name="itep",
        title="iTEP",
        settings=ITEP_SETTINGS,
        kinds=(),
        load_client=_itep_client,
        load_sandbox=_itep_sandbox,
        webhook=ITEP_WEBHOOKS,
        load_operations=_itep_operations,
    ),
)


def platform(name: str) -> Platform:
    """The platform called ``name``."""
    for entry in PLATFORMS:
        if entry.name == name:
            return entry
    known = ", ".join(p.name for p in PLATFORMS)
    raise ConfigurationError(f"unknown platform {name!r}; the platforms are: {known}")


def _kinds() -> dict[str, tuple[Platform, HarvestKind]]:
    found: dict[str, tuple[Platform, HarvestKind]] = {}
    for entry in PLATFORMS:
        for kind in entry.kinds:
            if kind.name in found:
                raise RuntimeError(f"two platforms declare the harvest kind {kind.name!r}")
            found[kind.name] = (entry, kind)
    return found


_KINDS = _kinds()


def kinds() -> dict[str, HarvestKind]:
    """Every kind ``mettl-async harvest`` pulls, of every platform, by name."""
    return {name: kind for name, (_, kind) in _KINDS.items()}


def platform_of(kind: HarvestKind) -> Platform:
    """The platform whose list ``kind`` is."""
    return _KINDS[kind.name][0]


@functools.cache
def _operations() -> dict[str, tuple[Platform, Operation]]:
    found: dict[str, tuple[Platform, Operation]] = {}
    for entry in PLATFORMS:
        for operation in entry.load_operations():
            if operation.name in found:
                raise RuntimeError(f"two operations are called {operation.name!r}")
            found[operation.name] = (entry, operation)
    return found


def operations() -> dict[str, tuple[Platform, Operation]]:
    """Every bulk write ``mettl-async onboard`` makes, by name, with the platform it writes to
    (imported on first call)."""
    return dict(_operations())


def webhook_sources() -> list[WebhookSource]:
    """What the platforms push, each served by ``mettl-async webhooks serve`` at ``/{name}``."""
    return [entry.webhook for entry in PLATFORMS if entry.webhook is not None]
