"""The demo data loads once, realistically spread across states, with one account per role,
and gives the coordinators' dashboard something to show for this year and a little for the
last one."""

from datetime import date, datetime

import pytest
import time_machine

from inventory.config import Settings
from inventory.db.tables import (
    Beneficiary, EligibilityDecision, Item, ItemEvent, Referral, Site, StaffUser,
)
from inventory.demo import load_demo
from inventory.domain.days import LOCAL_TZ
from inventory.domain.reports import Period
from inventory.services.common import SYSTEM, today
from inventory.services.history import verify_history
from inventory.services.reports import dashboard


async def test_the_demo_loads_once_with_items_across_states_and_every_role(db):
    settings = Settings(database_url=db.url)
    accounts = await load_demo(settings, if_empty=True)
    assert {role for _u, _p, role in accounts} == {
        "admin", "coordinator", "front_desk", "technician", "social_worker"}
    assert await Site.count() == 2
    devices = await Item.count().where(Item.family == "device")
    cards = await Item.count().where(Item.family == "card")
    assert (devices, cards) == (221, 106)
    states = {r["state"] for r in await Item.select(Item.state).distinct()}
    assert {"received", "refurbishing", "available", "in_repair", "retired", "in_stock",
            "on_loan", "lost", "issued"} <= states
    assert await ItemEvent.count() > devices + cards
    assert await Beneficiary.count() == 77
    assert await Referral.count().where(Referral.status == "pending") == 7
    decisions = await EligibilityDecision.count()
    eligible = await EligibilityDecision.count().where(EligibilityDecision.eligible.eq(True))
    assert decisions == 69 and 0 < eligible < decisions  # most eligible, some not
    assert await load_demo(settings, if_empty=True) is None
    assert await StaffUser.count() == 5


async def test_the_demo_gives_this_year_s_dashboard_a_figure_in_every_block(db):
    await load_demo(Settings(database_url=db.url), if_empty=True)
    year = today().year
    board = await dashboard(SYSTEM, Period(date(year, 1, 1), date(year, 12, 31)))
    assert board.loans_started > 0 and board.loans_open > 0 and board.loans_overdue > 0
    assert board.loans_returned > 0 and board.loans_lost == 1
    assert board.cards_issued > 0 and board.data_supplied_mb > 0
    assert board.repairs_opened > 0 and board.repairs_closed > 0
    assert board.waiting_now > 0 and board.waiting_average_days > 0
    assert len([f for f in board.referrals_by_partner if f.value > 0]) >= 3
    assert board.autonomous_at_exit > 0 and board.autonomous_at_follow_up > 0
    last = await dashboard(SYSTEM, Period(date(year - 1, 1, 1), date(year - 1, 12, 31)))
    assert last.loans_started > 0 and last.loans_returned > 0
    assert all(report.broken_chains == 0 for report in await verify_history())


@pytest.mark.parametrize("day", [date(2027, 1, 2), date(2027, 7, 1), date(2029, 10, 15)],
                         ids=str)
async def test_the_demo_loads_the_same_whatever_the_year(db, day):
    """Its dates follow today: consents, proofs and cards are still valid a year or three
    later (fixed 2026 dates would expire the cards in July 2027 and age the proofs)."""
    with time_machine.travel(datetime(day.year, day.month, day.day, 10, tzinfo=LOCAL_TZ)):
        assert today() == day
        await load_demo(Settings(database_url=db.url), if_empty=True)
        assert await EligibilityDecision.count() == 69
        eligible = await EligibilityDecision.count().where(
            EligibilityDecision.eligible.eq(True))
        assert eligible == 63  # as on the day it was written: no proof too old
        cards = await Item.select(Item.expires_on).where(
            (Item.family == "card") & (Item.state == "in_stock"))
        assert cards and all(card["expires_on"] > day for card in cards)
        consents = await Beneficiary.select(Beneficiary.consent_on)
        assert all(row["consent_on"] <= day for row in consents if row["consent_on"])
