"""REST sandbox: the account, its white label and logo (multipart uploads), pre-built tests."""

from __future__ import annotations

import email
import email.policy
import hashlib
import re
from typing import Any

from aiohttp import web

from ...mettl_rest.uploads import COVER, FAVICON, LOGO, ImageRule, image_type
from ..kit import SandboxError
from .catalog import check_new_name, new_assessment
from .params import invalid, json_object, json_param
from .rows import SectionRow, SkillRow
from .shapes import ACCOUNT, PBT, WHITE_LABEL
from .state import MettlRestAccount

SUCCESS = {"status": "SUCCESS"}
_HEX = re.compile(r"^[0-9A-Fa-f]{6}$")
#: What Update White Label's ``wl`` may set: the white label's colours and test URL, by the keys
#: the account shows them with.
_COLOURS = tuple(
    WHITE_LABEL.key(field)
    for field in ("header_background_color", "header_font_color", "button_color", "button_font_color")
)
_WHITE_LABEL_KEYS = (*_COLOURS, WHITE_LABEL.key("custom_test_url"))


def get_account(sandbox: MettlRestAccount, request: web.Request) -> Any:
    return {"status": "SUCCESS", "accountInfo": sandbox.world.account}


async def _files(request: web.Request) -> dict[str, tuple[str, bytes]]:
    """The file parts of a multipart body by field name; other bodies have none.

    Read with the standard library's MIME parser from the bytes the sandbox
    recorded (the body stream is consumed by then), independently of the client.
    """
    if not request.content_type.startswith("multipart/"):
        return {}
    head = f"Content-Type: {request.headers['Content-Type']}\r\n\r\n".encode()
    message = email.message_from_bytes(head + await request.read(), policy=email.policy.HTTP)
    if not message.is_multipart():
        raise SandboxError("E400", "Request was not well-formed/Invalid parameters supplied: multipart body")
    files: dict[str, tuple[str, bytes]] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        filename = part.get_filename()
        content = part.get_payload(decode=True)
        if isinstance(name, str) and filename and isinstance(content, bytes):
            files[name] = (filename, content)
    return files


def _stored(rule: ImageRule, upload: tuple[str, bytes]) -> str:
    """Check an upload as the server does; the URL it is served from."""
    _, data = upload
    kind = image_type(data)
    if kind is None or kind not in rule.types:
        raise invalid(rule.field)
    if len(data) > rule.max_bytes:
        raise SandboxError("E010", f"Request data too big: {rule.field} over {rule.shown}")
    digest = hashlib.sha256(data).hexdigest()[:12]
    return f"https://sandbox.mettl.example/static/{rule.field}-{digest}.{kind}"


async def update_white_label(sandbox: MettlRestAccount, request: web.Request) -> Any:
    """``wl`` and ``sn`` in the query, ``fav`` and ``cov`` as multipart files."""
    if not sandbox.config.white_label_allowed:
        raise SandboxError("E403", "API key is not allowed to access this API")
    files = await _files(request)
    with sandbox.lock:
        white_label = json_object(request, "wl")
        assert white_label is not None
        for key, value in white_label.items():
            if key not in _WHITE_LABEL_KEYS or not isinstance(value, str):
                raise invalid(f"wl.{key}")
            if key in _COLOURS and not _HEX.match(value):
                raise invalid(f"wl.{key}")
        numbers = json_param(request, "sn", required=False)
        if numbers is not None and (
            not isinstance(numbers, list) or len(numbers) > 2 or not all(isinstance(n, str) for n in numbers)
        ):
            raise invalid("sn")
        info = sandbox.world.account[ACCOUNT.key("white_label_info")]
        info.update(white_label)
        if "fav" in files:
            info[WHITE_LABEL.key("favicon_path")] = _stored(FAVICON, files["fav"])
        if "cov" in files:
            info[WHITE_LABEL.key("cover_image_path")] = _stored(COVER, files["cov"])
        if numbers is not None:
            info[WHITE_LABEL.key("support_numbers")] = numbers
    return SUCCESS


async def upload_logo(sandbox: MettlRestAccount, request: web.Request) -> Any:
    files = await _files(request)
    if "logo" not in files:
        raise SandboxError("E016", "Mandatory Parameter Missing: logo")
    with sandbox.lock:
        sandbox.world.account[ACCOUNT.key("logo")] = _stored(LOGO, files["logo"])
        sandbox.world.logo = files["logo"][1]
    return SUCCESS


def get_pbts(sandbox: MettlRestAccount, request: web.Request) -> Any:
    pbts = [
        PBT.make(id=p.id, name=p.name, duration=p.duration, skills=list(p.skills)) for p in sandbox.world.pbts
    ]
    return {"status": "SUCCESS", "pbts": pbts}


def add_pbts(sandbox: MettlRestAccount, request: web.Request) -> Any:
    """Each pre-built test becomes an assessment with a section of each of its skills."""
    ids = json_param(request, "pbts")
    library = {p.id: p for p in sandbox.world.pbts}
    if not isinstance(ids, list) or not ids or not all(isinstance(i, int) and i in library for i in ids):
        raise invalid("pbts")
    for pbt_id in ids:
        pbt = library[pbt_id]
        name = check_new_name(sandbox, f"{pbt.name} (PBT {pbt_id})")
        minutes = pbt.duration // len(pbt.skills)
        sections = [SectionRow(skill, minutes, 5, 10.0, (SkillRow(skill, 10.0, 5),)) for skill in pbt.skills]
        new_assessment(sandbox, name, sum(s.duration for s in sections), sections)
    return SUCCESS
