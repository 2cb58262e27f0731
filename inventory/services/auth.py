"""Staff accounts: passwords (argon2), sessions and API tokens stored as hashes, throttling."""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from inventory.db.engine import is_sqlite
from inventory.db.tables import LoginFailure, PartnerOrg, Site, StaffSession, StaffUser
from inventory.domain.access import Role
from inventory.domain.errors import Conflict, DomainError, InvalidInput, N_, NotFound
from inventory.domain.staff import check_locale
from inventory.services.common import Actor, engine, unit_of_work, utcnow

# Replaced by a cheaper hasher in the test suite only.
HASHER = PasswordHasher()
# A fixed hash verified for unknown usernames so that they take as long as known ones.
_DUMMY_HASH = (
    "$argon2id$v=19$m=65536,t=3,p=4$MQdbU0cYO7OKLCocrYh"
    "SDQ$ROCcLpuUut7f78x680sj9BL3U6ha+/H5L31xW43oSHk"
)
MIN_PASSWORD = 10


class LoginFailed(DomainError):
    message = N_("Wrong username or password.")


class WrongCurrentPassword(InvalidInput):
    message = N_("The current password is wrong.")


class TooManyAttempts(DomainError):
    message = N_("Too many failed attempts. Wait a few minutes and try again.")

    def __init__(self, retry_after: int) -> None:
        super().__init__()
        self.retry_after = retry_after  # seconds until an attempt is counted again


@dataclass(frozen=True, slots=True)
class NewSession:
    token: str
    csrf_token: str
    actor: Actor


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(N_("The password needs at least {n} characters."), n=MIN_PASSWORD)


async def create_user(
    *, username: str, password: str, role: str, display_name: str = "",
    site_code: str | None = None, partner_org_id: int | None = None, locale: str = "fr",
) -> dict[str, Any]:
    """Create a staff account; a social worker must belong to a partner organisation."""
    try:
        role = Role(role)
    except ValueError:
        raise InvalidInput(N_("Unknown role: “{role}”."), role=role) from None
    check_password_strength(password)
    if role is Role.SOCIAL_WORKER and partner_org_id is None:
        raise InvalidInput(N_("A social worker must belong to a partner organisation."))
    username = username.strip().lower()
    if not username or len(username) > 80:
        raise InvalidInput(N_("The username must have 1 to 80 characters."))
    async with unit_of_work():
        site_id = None
        if site_code:
            site = await Site.select(Site.id).where(Site.code == site_code).first()
            if site is None:
                raise NotFound(N_("No site with code “{code}”."), code=site_code)
            site_id = site["id"]
        if partner_org_id is not None and not await PartnerOrg.exists().where(
            PartnerOrg.id == partner_org_id
        ):
            raise NotFound(N_("Unknown partner organisation."))
        user = StaffUser(
            username=username, display_name=display_name or username,
            password_hash=HASHER.hash(password), role=role, site=site_id,
            partner_org=partner_org_id, locale=locale, created_at=utcnow(),
        )
        await user.save()
    return {"id": user.id, "username": username, "role": str(role)}


async def _locked_for(where, limit: int, now: int, window: int) -> int:
    """Seconds until fewer than ``limit`` failures matching ``where`` remain in the window."""
    recent = await LoginFailure.select(LoginFailure.at).where(
        where & (LoginFailure.at > now - window)).order_by(
        LoginFailure.at, ascending=False).limit(limit)
    return recent[-1]["at"] + window - now if len(recent) >= limit else 0


async def _throttled(username_key: str, client_ip: str, window: int, max_failures: int) -> int:
    """Seconds the attempt must wait (0: go ahead): per username, and per address with more
    room (several volunteers may sign in from one site's address)."""
    now = int(time.time())
    return max(
        await _locked_for(LoginFailure.username_key == username_key, max_failures, now, window),
        await _locked_for(LoginFailure.client_ip == client_ip[:45], 4 * max_failures, now,
                          window))


async def login(
    username: str, password: str, *, client_ip: str, hours: int, window: int, max_failures: int,
    label: str = "", api_token: bool = False,
) -> NewSession:
    """Check the password and open a session; failures are counted, unknown users included."""
    key = username.strip().lower()[:80]
    wait = await _throttled(key, client_ip, window, max_failures)
    if wait:
        raise TooManyAttempts(wait)
    user = await StaffUser.select().where(StaffUser.username == key).first()
    try:
        HASHER.verify(user["password_hash"] if user else _DUMMY_HASH, password)
        ok = user is not None and user["active"]
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok:
        await LoginFailure.insert(
            LoginFailure(username_key=key, client_ip=client_ip[:45], at=int(time.time())))
        raise LoginFailed()
    return await open_session(user, hours=hours, label=label, api_token=api_token)


async def open_session(user: dict[str, Any], *, hours: int, label: str = "",
                       api_token: bool = False) -> NewSession:
    """Store a new session (or API token) for ``user`` and return its secret once."""
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
    now = int(time.time())
    await StaffSession.insert(StaffSession(
        token_hash=token_hash(token), user=user["id"], csrf_token=csrf, created_at=now,
        expires_at=now + hours * 3600, is_api_token=api_token, label=label[:80]))
    return NewSession(token, csrf, actor_from_row(user))


def actor_from_row(row: dict[str, Any]) -> Actor:
    return Actor(
        user_id=row["id"], username=row["username"], role=row["role"],
        display_name=row["display_name"], site_id=row["site"],
        partner_org_id=row["partner_org"], locale=row["locale"],
    )


async def logout(token: str) -> None:
    await StaffSession.delete().where(StaffSession.token_hash == token_hash(token))


async def change_password(actor: Actor, old: str, new: str, *, window: int, max_failures: int,
                          renew_hours: int | None = None) -> NewSession | None:
    """Change one's own password: every session and API token of the user ends; with
    ``renew_hours``, the caller gets a fresh session (a new token, never the old one).

    Wrong current passwords count as failed sign-ins of the account, so that a stolen
    session cannot be used to guess the password."""
    check_password_strength(new)
    key = actor.username[:80]
    wait = await _locked_for(LoginFailure.username_key == key, max_failures, int(time.time()),
                             window)
    if wait:
        raise TooManyAttempts(wait)
    user = await StaffUser.select().where(StaffUser.id == actor.user_id).first()
    try:
        HASHER.verify(user["password_hash"], old)
    except (VerificationError, InvalidHashError):
        await LoginFailure.insert(
            LoginFailure(username_key=key, client_ip="", at=int(time.time())))
        raise WrongCurrentPassword() from None
    async with unit_of_work():
        await _replace_password(actor.user_id, new)
        if renew_hours is None:
            return None
        return await open_session(user, hours=renew_hours)


async def _replace_password(user_id: int, new: str) -> None:
    await StaffUser.update({StaffUser.password_hash: HASHER.hash(new)}).where(
        StaffUser.id == user_id)
    await StaffSession.delete().where(StaffSession.user == user_id)


async def set_active(user_id: int, active: bool) -> None:
    """Enable or disable an account; disabling ends all its sessions at once."""
    async with unit_of_work():
        if not active and not is_sqlite(engine()):
            # Two admins disabling each other at once must not both succeed: lock the admin
            # rows first (SQLite has one writer at a time already).
            await StaffUser.raw("SELECT id FROM staff_user WHERE role = 'admin' FOR UPDATE")
        found = await StaffUser.update({StaffUser.active: active}).where(
            StaffUser.id == user_id).returning(StaffUser.id)
        if not found:
            raise NotFound(N_("Unknown user."))
        if not active:
            admins = await StaffUser.count().where(
                (StaffUser.role == Role.ADMIN) & StaffUser.active.eq(True))
            if admins == 0:
                raise Conflict(N_("This is the last active administrator: enable or create "
                                  "another administrator first."))
            await StaffSession.delete().where(StaffSession.user == user_id)


def _account_query():
    return StaffUser.select(
        StaffUser.id, StaffUser.username, StaffUser.display_name, StaffUser.role,
        StaffUser.site, StaffUser.partner_org, StaffUser.locale, StaffUser.active,
        StaffUser.site.code.as_alias("site_code"),
        StaffUser.partner_org.name.as_alias("org_name"))


async def list_users(*, page: int = 1, per_page: int = 50) -> tuple[list[dict[str, Any]], int]:
    """One page of staff accounts by username with their site and organisation (never a
    password hash), and how many there are."""
    rows = await _account_query().order_by(StaffUser.username).limit(per_page).offset(
        (page - 1) * per_page)
    return rows, await StaffUser.count()


async def reset_password(user_id: int, new: str) -> None:
    """Give an account a new password (a forgotten one); every session of the user ends."""
    check_password_strength(new)
    async with unit_of_work():
        if not await StaffUser.exists().where(StaffUser.id == user_id):
            raise NotFound(N_("Unknown user."))
        await _replace_password(user_id, new)


async def set_locale(actor: Actor, locale: str) -> None:
    """The language the user's pages are shown in (fr or en)."""
    await StaffUser.update({StaffUser.locale: check_locale(locale)}).where(
        StaffUser.id == actor.user_id)


async def get_user(user_id: int) -> dict[str, Any]:
    """One staff account with its site and organisation (never its password hash)."""
    row = await _account_query().where(StaffUser.id == user_id).first()
    if row is None:
        raise NotFound(N_("Unknown user."))
    return row
