"""Sandbox endpoints: institutes (Premium superusers only) and the users of an institute."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from .answers import FORBIDDEN, Invalid, Reply, not_found
from .params import bool_param, int_param, params_of, text_param
from .records import USER_LIST_KEYS, institute_record, stamp, token_text, user_summary
from .shapes import INSTITUTE, USER
from .state import Endpoint, ProctorExamAccount, listing

#: The institute of a sandbox API user that is not a superuser.
HOME_INSTITUTE = 1
INSTITUTE_FIELDS = ("name", "short_name", "callback_url", "default_language", "tawk_url")
USER_FIELDS = ("email", "name", "role", "report_frequency", "omniauth_config_id")


def _callback(params: dict[str, Any]) -> str | None:
    value = text_param(params, "callback_url")
    if value is not None:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise Invalid("callback_url", "is not a valid URL")
    return value


def _institute(sandbox: ProctorExamAccount, request: web.Request) -> dict[str, Any]:
    institute_id = int(request.match_info["id"])
    if not sandbox.config.superuser and institute_id != HOME_INSTITUTE:
        raise FORBIDDEN
    institute = sandbox.world.institutes.get(institute_id)
    if institute is None:
        raise not_found("Institute", institute_id)
    return institute


async def list_institutes(sandbox: ProctorExamAccount, request: web.Request) -> Any:
    sandbox.require_superuser()
    rows = list(sandbox.world.institutes.values())
    return listing(sandbox, request, rows, "institutes", INSTITUTE)


async def show_institute(sandbox: ProctorExamAccount, request: web.Request) -> Any:
    return {"institute": INSTITUTE.record(_institute(sandbox, request))}


async def create_institute(sandbox: ProctorExamAccount, request: web.Request) -> Any:
    sandbox.require_superuser()
    params = params_of(request)
    name = text_param(params, "name", required=True)
    callback = _callback(params)
    institute_id = sandbox.world.new_id()
    now = stamp(sandbox.moment())
    record = institute_record(sandbox.world.seed, len(sandbox.world.institutes)) | {
        "id": institute_id,
        "name": name,
        "short_name": text_param(params, "short_name"),
        "callback_url": callback,
        "created_at": now,
        "updated_at": now,
    }
    sandbox.world.institutes[institute_id] = record
    return Reply({"institute": INSTITUTE.record(record)}, status=201)


async def update_institute(sandbox: ProctorExamAccount, request: web.Request) -> Any:
    institute = _institute(sandbox, request)
    params = params_of(request)
    _callback(params)
    for field in INSTITUTE_FIELDS:
        if field in params:
            institute[field] = text_param(params, field, required=field == "name")
    institute["updated_at"] = stamp(sandbox.moment())
    return {"institute": INSTITUTE.record(institute)}


async def delete_institute(sandbox: ProctorExamAccount, request: web.Request) -> Any:
    sandbox.require_superuser()
    institute = _institute(sandbox, request)
    del sandbox.world.institutes[institute["id"]]
    return Reply(None, status=204)


# -- users ---------------------------------------------------------------------------------------


def _institute_of_users(sandbox: ProctorExamAccount, request: web.Request) -> int:
    institute_id = int(request.match_info["institute_id"])
    if not sandbox.config.superuser and institute_id != HOME_INSTITUTE:
        raise FORBIDDEN
    if institute_id not in sandbox.world.institutes:
        raise not_found("Institute", institute_id)
    return institute_id


def _user(sandbox: ProctorExamAccount, request: web.Request) -> dict[str, Any]:
    institute_id = _institute_of_users(sandbox, request)
    user_id = int(request.match_info["id"])
    user = sandbox.world.users.get(user_id)
    if user is None or user["institute_id"] != institute_id:
        raise not_found("User", user_id)
    return user


def _check_email_free(sandbox: ProctorExamAccount, email: str, user_id: int | None = None) -> None:
    if any(u["email"].lower() == email.lower() and u["id"] != user_id for u in sandbox.world.users.values()):
        raise Invalid("email", "has already been taken")
    if "@" not in email:
        raise Invalid("email", "is invalid")


async def list_users(sandbox: ProctorExamAccount, request: web.Request) -> Any:
    institute_id = _institute_of_users(sandbox, request)
    rows = [user_summary(u) for u in sandbox.world.users_of(institute_id)]
    return listing(sandbox, request, rows, "users", USER)


async def show_user(sandbox: ProctorExamAccount, request: web.Request) -> Any:
    return {"user": USER.record(_user(sandbox, request))}


async def create_user(sandbox: ProctorExamAccount, request: web.Request) -> Any:
    institute_id = _institute_of_users(sandbox, request)
    params = params_of(request)
    email = text_param(params, "email", required=True)
    name = text_param(params, "name", required=True)
    role = text_param(params, "role", required=True)
    assert email is not None
    _check_email_free(sandbox, email)
    user_id = sandbox.world.new_id()
    institute = sandbox.world.institutes[institute_id]
    now = stamp(sandbox.moment())
    secret = token_text(user_id.to_bytes(8, "big") * 4, 43)
    record = {key: None for key in USER_LIST_KEYS} | {
        "id": user_id,
        "institute_id": institute_id,
        "email": email,
        "name": name,
        "role": role,
        "created_at": now,
        "updated_at": now,
        "api_token": token_text(user_id.to_bytes(8, "big") * 2, 22),
        "secret_key": secret,
        "receives_reports": bool_param(params, "receives_reports") or False,
        "report_frequency": text_param(params, "report_frequency") or "week",
        "logo_image": "/logo_images/original/missing.png",
        "institute_name": institute["name"],
    }
    sandbox.world.users[user_id] = record
    return Reply({"user": USER.record(record)}, status=201)


async def update_user(sandbox: ProctorExamAccount, request: web.Request) -> Any:
    user = _user(sandbox, request)
    params = params_of(request)
    if "email" in params:
        email = text_param(params, "email", required=True)
        assert email is not None
        _check_email_free(sandbox, email, user["id"])
    for field in USER_FIELDS:
        if field in params:
            user[field] = (
                int_param(params, field)
                if field == "omniauth_config_id"
                else text_param(params, field, required=True)
            )
    if "receives_reports" in params:
        user["receives_reports"] = bool_param(params, "receives_reports")
    if user.get("report_frequency") not in ("day", "week", "month"):
        raise Invalid("report_frequency", "is not included in the list")
    user["updated_at"] = stamp(sandbox.moment())
    return {"user": USER.record(user)}


async def delete_user(sandbox: ProctorExamAccount, request: web.Request) -> Any:
    user = _user(sandbox, request)
    del sandbox.world.users[user["id"]]
    for managers in sandbox.world.comanagers.values():
        managers.discard(user["id"])
    return Reply(None, status=204)


ROUTES: list[tuple[str, str, Endpoint]] = [
    ("GET", "/institutes", list_institutes),
    ("POST", "/institutes", create_institute),
    ("GET", r"/institutes/{id:\d+}", show_institute),
    ("PATCH", r"/institutes/{id:\d+}", update_institute),
    ("PUT", r"/institutes/{id:\d+}", update_institute),
    ("DELETE", r"/institutes/{id:\d+}", delete_institute),
    ("GET", r"/institutes/{institute_id:\d+}/users", list_users),
    ("POST", r"/institutes/{institute_id:\d+}/users", create_user),
    ("GET", r"/institutes/{institute_id:\d+}/users/{id:\d+}", show_user),
    ("PATCH", r"/institutes/{institute_id:\d+}/users/{id:\d+}", update_user),
    ("PUT", r"/institutes/{institute_id:\d+}/users/{id:\d+}", update_user),
    ("DELETE", r"/institutes/{institute_id:\d+}/users/{id:\d+}", delete_user),
]
