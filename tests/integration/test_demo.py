"""The demo data loads once, realistically spread across states, with one account per role."""

from inventory.config import Settings
from inventory.db.tables import (
    Beneficiary, EligibilityDecision, Item, ItemEvent, Referral, Site, StaffUser,
)
from inventory.demo import load_demo


async def test_the_demo_loads_once_with_items_across_states_and_every_role(db):
    settings = Settings(database_url=db.url)
    accounts = await load_demo(settings, if_empty=True)
    assert {role for _u, _p, role in accounts} == {
        "admin", "coordinator", "front_desk", "technician", "social_worker"}
    assert await Site.count() == 2
    devices = await Item.count().where(Item.family == "device")
    cards = await Item.count().where(Item.family == "card")
    assert (devices, cards) == (200, 100)
    states = {r["state"] for r in await Item.select(Item.state).distinct()}
    assert {"received", "refurbishing", "available", "in_repair", "retired", "in_stock"} <= states
    assert await ItemEvent.count() > devices + cards
    assert await Beneficiary.count() == 40
    assert await Referral.count().where(Referral.status == "pending") == 5
    decisions = await EligibilityDecision.count()
    eligible = await EligibilityDecision.count().where(EligibilityDecision.eligible.eq(True))
    assert decisions == 35 and 0 < eligible < decisions  # most eligible, some not
    assert await load_demo(settings, if_empty=True) is None
    assert await StaffUser.count() == 5
