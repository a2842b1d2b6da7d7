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
from .catalog import add_assessment
from .params import invalid, json_object, json_param
from .state import MettlRestAccount

SUCCESS = {"status": "SUCCESS"}
_HEX = re.compile(r"^[0-9A-Fa-f]{6}$")
_COLOURS = ("headerBackgroundColor", "headerFontColor", "buttonColor", "buttonFontColor")
_WHITE_LABEL_KEYS = (*_COLOURS, "customTestUrl")


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
        paths = {}
        if "fav" in files:
            paths["faviconPath"] = _stored(FAVICON, files["fav"])
        if "cov" in files:
            paths["coverImagePath"] = _stored(COVER, files["cov"])
        info = sandbox.world.account["whiteLabelInfo"]
        info.update(white_label, **paths)
        if numbers is not None:
            info["supportNumbers"] = numbers
    return SUCCESS


async def upload_logo(sandbox: MettlRestAccount, request: web.Request) -> Any:
    files = await _files(request)
    if "logo" not in files:
        raise SandboxError("E016", "Mandatory Parameter Missing: logo")
    with sandbox.lock:
        sandbox.world.account["logo"] = _stored(LOGO, files["logo"])
        sandbox.world.logo = files["logo"][1]
    return SUCCESS


def get_pbts(sandbox: MettlRestAccount, request: web.Request) -> Any:
    return {"status": "SUCCESS", "pbts": sandbox.world.pbts}


def add_pbts(sandbox: MettlRestAccount, request: web.Request) -> Any:
    ids = json_param(request, "pbts")
    library = {p["id"]: p for p in sandbox.world.pbts}
    if not isinstance(ids, list) or not ids or not all(isinstance(i, int) and i in library for i in ids):
        raise invalid("pbts")
    for pbt_id in ids:
        pbt = library[pbt_id]
        sections = [
            {
                "name": skill,
                "duration": pbt["duration"] // len(pbt["skills"]),
                "questions": 5,
                "maxMarks": 10.0,
                "skills": [{"name": skill, "maxMarks": 10.0, "questions": 5}],
            }
            for skill in pbt["skills"]
        ]
        add_assessment(sandbox, {"name": f"{pbt['name']} (PBT {pbt_id})", "sections": sections})
    return SUCCESS
