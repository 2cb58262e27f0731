"""Hash chains over history (inventory.domain.history): canonical form and verification."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from inventory.domain.history import (
    ACCESS_LOG_FIELDS, ITEM_EVENT_FIELDS, canonical, entry_hash, verify_chain,
)
from inventory.domain.lifecycle import State

AT = datetime(2026, 11, 27, 9, 30, 0, 123456, tzinfo=UTC)


def event(n: int, **changes) -> dict:
    return {"id": n, "item": 7, "at": AT + timedelta(minutes=n), "actor": 3,
            "action": "transition", "from_state": "available", "to_state": "on_loan",
            "site": 1, "reason": f"P-{n}", "note": "", "details": {"n": n}, **changes}


def chained(rows: list[dict], fields=ITEM_EVENT_FIELDS) -> list[dict]:
    previous = None
    for row in rows:
        row["prev_hash"], row["hash"] = previous, entry_hash(previous, row, fields)
        previous = row["hash"]
    return rows


def verify(rows, fields=ITEM_EVENT_FIELDS):
    return verify_chain(rows, fields, table="item_event", chain="item 7")


def test_the_canonical_form_does_not_depend_on_how_the_database_returned_the_values():
    as_python = event(1)
    as_text = {**as_python, "at": "2026-11-27 11:31:00.123456+02:00",
               "details": '{ "n" : 1 }', "to_state": State.ON_LOAN}
    assert canonical(as_python, ITEM_EVENT_FIELDS) == canonical(as_text, ITEM_EVENT_FIELDS)


def test_the_canonical_form_is_sorted_compact_json_in_utc_to_the_microsecond():
    row = {"at": datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=1))),
           "actor": None, "actor_role": "admin", "action": "beneficiary.read",
           "beneficiary": 12}
    assert canonical(row, ACCESS_LOG_FIELDS) == (
        b'{"action":"beneficiary.read","actor":null,"actor_role":"admin",'
        b'"at":"2026-01-02T02:04:05.000000+00:00","beneficiary":12}')


def test_a_hash_depends_on_the_previous_hash_and_on_every_field():
    base = entry_hash(None, event(1), ITEM_EVENT_FIELDS)
    assert len(base) == 64
    assert entry_hash("0" * 64, event(1), ITEM_EVENT_FIELDS) != base
    for name, value in (("to_state", "lost"), ("reason", "x"), ("note", "x"), ("actor", 4),
                        ("details", {"n": 2}), ("at", AT), ("site", None)):
        assert entry_hash(None, event(1, **{name: value}), ITEM_EVENT_FIELDS) != base, name


def test_an_intact_chain_verifies():
    report = verify(chained([event(n) for n in range(1, 6)]))
    assert (report.checked, report.legacy, report.broken) == (5, 0, None)


def test_a_changed_entry_is_reported_at_that_entry():
    rows = chained([event(n) for n in range(1, 6)])
    rows[2]["to_state"] = "lost"
    broken = verify(rows).broken
    assert (broken.table, broken.chain, broken.row_id) == ("item_event", "item 7", 3)
    assert "changed" in broken.problem


def test_a_changed_entry_whose_hash_was_recomputed_is_reported_at_the_next_one():
    rows = chained([event(n) for n in range(1, 6)])
    rows[2]["reason"] = "forged"
    rows[2]["hash"] = entry_hash(rows[2]["prev_hash"], rows[2], ITEM_EVENT_FIELDS)
    broken = verify(rows).broken
    assert broken.row_id == 4 and "prev_hash" in broken.problem


def test_a_removed_entry_is_reported_at_the_entry_after_the_gap():
    rows = chained([event(n) for n in range(1, 6)])
    del rows[2]
    assert verify(rows).broken.row_id == 4
    assert verify(rows[1:]).broken.row_id == 2  # the first entry removed


def test_entries_older_than_the_chain_may_only_come_first():
    legacy = [{**event(n), "prev_hash": None, "hash": None} for n in (1, 2)]
    rows = legacy + chained([event(n) for n in (3, 4)])
    report = verify(rows)
    assert (report.checked, report.legacy, report.broken) == (2, 2, None)
    rows[3]["hash"] = None
    assert verify(rows).broken.row_id == 4
