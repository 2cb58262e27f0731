"""Retry keys: a request repeated with the same ``Idempotency-Key`` gets the first answer and
changes nothing. Kept in the database, so every app instance honours them."""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from inventory.db.tables import IdempotencyKey
from inventory.domain.errors import DomainError, InvalidInput, N_
from inventory.services.common import Actor, unit_of_work, utcnow

MAX_KEY = 80


@dataclass(frozen=True, slots=True)
class Answer:
    status_code: int
    body: bytes
    replayed: bool = False


def fingerprint(method: str, path: str, body: bytes) -> str:
    return hashlib.sha256(method.encode() + b" " + path.encode() + b"\n" + body).hexdigest()


def check_key(key: str) -> str:
    key = key.strip()
    if not 1 <= len(key) <= MAX_KEY or not key.isprintable():
        raise InvalidInput(N_("The Idempotency-Key header must be 1 to {max} printable "
                              "characters."), max=MAX_KEY)
    return key


async def _stored(actor: Actor, key: str, request_hash: str) -> Answer | None:
    row = await IdempotencyKey.select().where(
        (IdempotencyKey.user == actor.user_id) & (IdempotencyKey.key == key)).first()
    if row is None:
        return None
    if row["request_hash"] != request_hash:
        raise InvalidInput(N_("This Idempotency-Key was already used for a different request."))
    return Answer(row["status_code"], row["body"].encode(), replayed=True)


async def run_once(actor: Actor, key: str, request_hash: str, status_code: int,
                   use_case: Callable[[], Awaitable[tuple[bytes, bytes]]]) -> Answer:
    """Run ``use_case`` once for this user and key, in the same transaction as the key.

    ``use_case`` returns the answer to send and the answer to keep for replays (without
    secrets such as voucher codes). If it fails because a concurrent twin won, the twin's
    answer is replayed.
    """
    key = check_key(key)
    try:
        async with unit_of_work():
            if (stored := await _stored(actor, key, request_hash)) is not None:
                return stored
            body, kept = await use_case()
            await IdempotencyKey.insert(IdempotencyKey(
                user=actor.user_id, key=key, request_hash=request_hash,
                status_code=status_code, body=kept.decode(), created_at=utcnow()))
        return Answer(status_code, body)
    except DomainError:
        if (stored := await _stored(actor, key, request_hash)) is not None:
            return stored
        raise
