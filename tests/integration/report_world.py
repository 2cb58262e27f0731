"""A year of a small association's activity (2025) with known figures, for the report tests.

People (AUB unless said; org A unless said):
- awa (Bordeaux, 1984): laptop lent 2025-03-10, back 2025-06-01; a duplicate record of
  her, merged into hers, was at a workshop on 2025-10-01 (she counts once).
- bea (Bordeaux, 1990): laptop lent 2024-11-02, due 2025-05-01, back 2026-02-01: open and
  overdue at the end of 2025, not new in 2025.
- chloe (Bordeaux, 1985): path from 2025-01-15 to 2025-04-30, autonomous, and at the
  follow-up on 2025-10-30.
- dan (Lormont, 1970): path ended 2024-06-30 autonomous; follow-up 2025-01-05 autonomous.
- eve (Floirac, priority area, 1950): at a workshop on 2025-09-10 (absent on the 17th);
  a SIM card of 2,000 MB handed over 2025-09-10, topped up 500 MB on 2025-09-20.
- fay (Cenon, 2001, BAC, org B, job seeker): laptop lent 2025-05-05 by Bacalan, declared
  lost on 2025-07-01, not settled.
- gus (org A): referred in 2025, nothing else.
- hal: a laptop lent today (2026), nothing in 2025.
Repairs at AUB: closed in 2025 after 3, 4 and 10 days; opened in 2025: three. Waiting list:
one since 2025-12-01 still open, one since 2025-11-01 served in 2026, one cancelled in 2025.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

from inventory.db.tables import (
    Attendance, Beneficiary, CardTopUp, Enrollment, Item, LearningPath, Loan, LoanLine,
    Referral, RepairTicket, Site, WaitingEntry, Workshop,
)
from inventory.services import learning
from inventory.services.common import today, utcnow
from tests.integration.privacy_helpers import available, followed, give_back, lend
from tests.integration.test_loans_api import available as card_or_device
from tests.integration.test_loans_api import eligible

YEAR = 2025


def at(day: date, hour: int = 12) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


async def person_id(number: str) -> int:
    return (await Beneficiary.select(Beneficiary.id).where(
        Beneficiary.number == number).first())["id"]


async def site_id(code: str) -> int:
    return (await Site.select(Site.id).where(Site.code == code).first())["id"]


async def dated_loan(reference: str, started: date, due: date | None = None,
                     closed: date | None = None) -> None:
    """Move a loan (and its lines) to ``started``; ``closed``: when it (and they) ended."""
    loan = await Loan.select(Loan.id).where(Loan.reference == reference).first()
    await Loan.update({Loan.started_on: started}).where(Loan.id == loan["id"])
    if due is not None:
        await LoanLine.update({LoanLine.due_on: due}).where(LoanLine.loan == loan["id"])
    if closed is not None:
        await Loan.update({Loan.closed_at: at(closed)}).where(
            (Loan.id == loan["id"]) & Loan.closed_at.is_not_null())
        await LoanLine.update({LoanLine.closed_at: at(closed)}).where(
            (LoanLine.loan == loan["id"]) & LoanLine.closed_at.is_not_null())


async def referral_on(number: str, day: date) -> None:
    await Referral.update({Referral.referred_on: day}).where(
        Referral.beneficiary == await person_id(number))


async def session(day: date, people: dict[int, bool], site: str = "AUB") -> None:
    """A workshop held on ``day`` with each person present or not."""
    workshop = Workshop(held_on=day, site=await site_id(site), duration_minutes=120,
                        kind="workshop", created_at=utcnow())
    await workshop.save()
    for pid, present in people.items():
        await Attendance(workshop=workshop.id, beneficiary=pid, present=present,
                         recorded_at=utcnow()).save()


async def enrollment(number: str, started: date, exit_on: date, outcome: str,
                     follow_up: date | None = None) -> None:
    path = await LearningPath.select(LearningPath.id).first()
    await Enrollment(beneficiary=await person_id(number), path=path["id"], started_on=started,
                     expected_end_on=exit_on, status="completed", exit_on=exit_on,
                     exit_outcome=outcome, follow_up_on=follow_up,
                     follow_up_outcome=outcome if follow_up else None,
                     created_at=utcnow()).save()


async def repair(tag: str, opened: date, closed: date | None) -> None:
    item = await Item.select(Item.id, Item.site).where(Item.tag == tag).first()
    await RepairTicket(item=item["id"], site=item["site"], opened_at=at(opened),
                       status="done" if closed else "open", outcome="available" if closed
                       else None, closed_at=at(closed) if closed else None).save()


async def waiting(number: str, since: date, closed: date | None, status: str) -> None:
    await WaitingEntry(beneficiary=await person_id(number), kind="tablet",
                       site=await site_id("AUB"), since=at(since, 10), status=status,
                       closed_at=at(closed, 10) if closed else None).save()


async def _people(world) -> dict[str, dict[str, Any]]:
    def who(first: str, year: int, commune: str = "Bordeaux", **more: Any) -> dict[str, Any]:
        return {"first_name": first, "last_name": "Martin", "birth_year": year,
                "commune": commune, "phone": None, **more}

    people = {
        "awa": await followed(world, world.sw_a, **who("Awa", 1984)),
        "bea": await followed(world, world.sw_a, **who("Béa", 1990)),
        "chloe": await followed(world, world.sw_a, **who("Chloé", 1985)),
        "dan": await followed(world, world.sw_a, **who("Dan", 1970, "Lormont")),
        "fay": await followed(world, world.sw_b, **who(
            "Fay", 2001, "Cenon", site_code="BAC", situation="demandeur_emploi")),
        "gus": await followed(world, world.sw_a, **who("Gus", 1962)),
        "hal": await followed(world, world.sw_a, **who("Hal", 1999)),
    }
    eve = await eligible(world, kinds=("sim",), **who("Ève", 1950, "Floirac",
                                                      in_priority_area=True))
    people["eve"] = {"number": eve}
    people["awa_again"] = await world.person(world.sw_a, **who("Awa", 1984, first_name="Aoua"))
    return people


async def _loans(world, people: dict[str, dict[str, Any]]) -> dict[str, str]:
    tags = {name: await available() for name in ("awa", "bea", "fay", "hal", "spare")}
    for name, desk in (("awa", world.desk_aub), ("bea", world.desk_aub),
                       ("fay", world.desk_bac), ("hal", world.desk_aub)):
        loan = await lend(desk, people[name]["number"], tags[name])
        people[name]["reference"] = loan["reference"]
    await give_back(world.desk_aub, tags["awa"])
    await give_back(world.desk_aub, tags["bea"])
    lost = await world.desk_bac.post("/api/v1/losses", {
        "tag": tags["fay"], "outcome": "lost", "on": "2025-07-01",
        "circumstances": "Oublié dans le tram"})
    assert lost.status_code == 200, lost.text
    sim = await card_or_device("sim", data_allowance_mb=2000)
    card = await lend(world.desk_aub, people["eve"]["number"], sim)
    people["eve"]["reference"] = card["reference"]
    await CardTopUp(item=(await Item.select(Item.id).where(Item.tag == sim).first())["id"],
                    amount_cents=500, data_mb=500, topped_up_on=date(YEAR, 9, 20),
                    created_at=utcnow()).save()
    await dated_loan(people["awa"]["reference"], date(YEAR, 3, 10), closed=date(YEAR, 6, 1))
    await dated_loan(people["bea"]["reference"], date(2024, 11, 2), due=date(YEAR, 5, 1),
                     closed=date(2026, 2, 1))
    await dated_loan(people["fay"]["reference"], date(YEAR, 5, 5), closed=date(YEAR, 7, 1))
    await dated_loan(people["eve"]["reference"], date(YEAR, 9, 10))
    return tags


async def a_year_of_activity(world) -> dict[str, dict[str, Any]]:
    """Build the year described above; returns each person's record (with loan reference)."""
    await learning.seed_paths()
    people = await _people(world)
    tags = await _loans(world, people)
    merged = await world.admin.post(f"/api/v1/beneficiaries/{people['awa_again']['number']}"
                                    "/merge", {"keep": people["awa"]["number"]})
    assert merged.status_code == 200, merged.text
    ids = {name: await person_id(p["number"]) for name, p in people.items()}
    await session(date(YEAR, 9, 10), {ids["eve"]: True})
    await session(date(YEAR, 9, 17), {ids["eve"]: False, ids["gus"]: False})
    await session(date(YEAR, 10, 1), {ids["awa_again"]: True})
    await enrollment(people["chloe"]["number"], date(YEAR, 1, 15), date(YEAR, 4, 30),
                     "autonomous", follow_up=date(YEAR, 10, 30))
    await enrollment(people["dan"]["number"], date(2024, 1, 10), date(2024, 6, 30),
                     "autonomous", follow_up=date(YEAR, 1, 5))
    for name in ("awa", "chloe", "eve", "gus"):
        await referral_on(people[name]["number"], date(YEAR, 2, 1))
    await referral_on(people["fay"]["number"], date(YEAR, 4, 1))
    for name in ("bea", "dan"):
        await referral_on(people[name]["number"], date(2024, 6, 1))
    for opened, closed in ((date(2024, 12, 30), date(YEAR, 1, 2)),
                           (date(YEAR, 2, 1), date(YEAR, 2, 5)),
                           (date(YEAR, 11, 28), date(YEAR, 12, 8)),
                           (date(YEAR, 12, 20), None)):
        await repair(tags["spare"], opened, closed)
    await waiting(people["gus"]["number"], date(YEAR, 12, 1), None, "waiting")
    await waiting(people["dan"]["number"], date(YEAR, 11, 1), date(2026, 1, 10), "served")
    await waiting(people["chloe"]["number"], date(YEAR, 6, 1), date(YEAR, 7, 1), "cancelled")
    assert today() > date(YEAR + 1, 2, 1), "the world is built in the past"
    return people
