"""The cast of the demo's year of activity and the means to tell its stories (which are in
``inventory.demo_year``), so that the coordinators' dashboard shows something plausible on a
fresh install: 37 more people over six partner organisations, their loans (open, overdue,
returned then wiped, one lost), cards handed over, two repairs, a waiting list, workshops and
learning paths closed with their outcome.

Everything goes through the use cases the app uses (eligibility, check-out, returns, wipes,
repairs, waiting list, learning), so every history row and hash chain is real. Days come from
``today()`` only: this year's events fall between 1 January and today, last year's on fixed
days of last year. Where a use case takes a date it is given one; otherwise the date columns of
the rows just created are moved afterwards (``Activity.date_loan``, ``close_lines_on``,
``date_decisions``, ``date_waiting``, ``date_ticket``). Item histories keep the moment the demo
was loaded: their hash chains cover it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, NamedTuple

from inventory.db.tables import (
    Beneficiary, EligibilityDecision, Loan, LoanLine, Referral, RepairTicket, StaffUser,
    WaitingEntry,
)
from inventory.domain.eligibility import valid_until
from inventory.domain.lifecycle import Family, Kind
from inventory.services import (
    auth, beneficiaries, checkout, eligibility, items, learning, loans, referrals, wipes,
)
from inventory.services.common import SYSTEM, Actor, utcnow


class Person(NamedTuple):
    """Someone the demo's year adds: who, where, referred by which organisation."""

    first: str
    last: str
    born: int
    commune: str
    priority_area: bool
    situation: str
    org: str  # a key of ORGS, or "ccas" / "ml": the demo's first two organisations
    site: str


# Situations, as the rule set names them.
MINIMA, JOBLESS, YOUNG = "minima_sociaux", "demandeur_emploi", "jeune_16_25"
RETIRED, HOMELESS, OTHER = "retraite_faibles_revenus", "sans_domicile", "autre"
PEOPLE = {
    "awa": Person("Awa", "Ouedraogo", 1987, "Bordeaux", True, MINIMA, "ccas", "AUB"),
    "remi": Person("Rémi", "Fontaine", 1969, "Eysines", False, JOBLESS, "ft", "AUB"),
    "lina": Person("Lina", "Rahmani", 1999, "Bordeaux", True, YOUNG, "ml", "AUB"),
    "gerard": Person("Gérard", "Perrin", 1952, "Floirac", True, RETIRED, "sp", "BAS"),
    "samira": Person("Samira", "Belkacem", 1978, "Lormont", True, MINIMA, "mds", "BAS"),
    "kevin": Person("Kevin", "Leroy", 1994, "Bruges", False, JOBLESS, "ft", "AUB"),
    "mariama": Person("Mariama", "Cissé", 1983, "Bordeaux", True, MINIMA, "ccas", "AUB"),
    "thomas": Person("Thomas", "Nguyen", 2003, "Bordeaux", True, YOUNG, "ml", "AUB"),
    "josiane": Person("Josiane", "Marchand", 1958, "Le Bouscat", False, RETIRED, "cs", "AUB"),
    "youssef": Person("Youssef", "Mansouri", 1975, "Cenon", True, JOBLESS, "ft", "BAS"),
    "ines": Person("Inès", "Ferreira", 1991, "Lormont", True, MINIMA, "mds", "BAS"),
    "bakary": Person("Bakary", "Sylla", 1989, "Bordeaux", True, HOMELESS, "sp", "BAS"),
    "odile": Person("Odile", "Chevalier", 1961, "Bordeaux", True, MINIMA, "cs", "AUB"),
    "franck": Person("Franck", "Renaud", 1972, "Bruges", False, JOBLESS, "ft", "AUB"),
    "aminata": Person("Aminata", "Koné", 1996, "Cenon", True, MINIMA, "sp", "BAS"),
    "lucien": Person("Lucien", "Gauthier", 1949, "Bordeaux", True, RETIRED, "ccas", "AUB"),
    "jordan": Person("Jordan", "Vidal", 2001, "Lormont", True, YOUNG, "ml", "BAS"),
    "nadege": Person("Nadège", "Touré", 1985, "Bordeaux", True, HOMELESS, "ccas", "AUB"),
    "hamid": Person("Hamid", "Kaya", 1980, "Floirac", True, JOBLESS, "mds", "BAS"),
    "chantal": Person("Chantal", "Pereira", 1966, "Eysines", False, MINIMA, "cs", "AUB"),
    "moustapha": Person("Moustapha", "Ba", 1977, "Lormont", True, MINIMA, "mds", "BAS"),
    "lea": Person("Léa", "Boucher", 2004, "Cenon", True, YOUNG, "ml", "BAS"),
    "dominique": Person("Dominique", "Roche", 1957, "Bordeaux", True, RETIRED, "ccas", "AUB"),
    "sofiane": Person("Sofiane", "Amrani", 1993, "Floirac", True, JOBLESS, "ft", "BAS"),
    "rose": Person("Rose", "Mendy", 1970, "Bordeaux", True, MINIMA, "sp", "AUB"),
    "nicole": Person("Nicole", "Lemaire", 1955, "Le Bouscat", False, RETIRED, "cs", "AUB"),
    "ahmed": Person("Ahmed", "Bouzid", 1968, "Bordeaux", True, JOBLESS, "ft", "AUB"),
    "priscilla": Person("Priscilla", "Makosso", 1990, "Cenon", True, MINIMA, "sp", "BAS"),
    "julien": Person("Julien", "Meunier", 1985, "Bruges", False, HOMELESS, "ccas", "AUB"),
    "fatoumata": Person("Fatoumata", "Keita", 2000, "Lormont", True, YOUNG, "ml", "BAS"),
    "marcel": Person("Marcel", "Poirier", 1950, "Bordeaux", True, RETIRED, "ccas", "AUB"),
    "yannick": Person("Yannick", "Barbier", 1982, "Eysines", False, JOBLESS, "ft", "AUB"),
    "khadija": Person("Khadija", "Ziani", 1974, "Lormont", True, MINIMA, "mds", "BAS"),
    "maelle": Person("Maëlle", "Texier", 1998, "Bordeaux", True, YOUNG, "ml", "AUB"),
    "patrice": Person("Patrice", "Guérin", 1963, "Floirac", True, MINIMA, "sp", "BAS"),
    "sandrine": Person("Sandrine", "Colin", 1976, "Mérignac", False, MINIMA, "cs", "AUB"),
    "alain": Person("Alain", "Hoarau", 1960, "Pessac", False, OTHER, "ccas", "AUB"),
}
# The partner organisations added to the demo's two (key: name, type, commune).
ORGS = {
    "ft": ("France Travail Bordeaux Bastide", "france_travail", "Bordeaux"),
    "mds": ("MDS de Lormont", "departement", "Lormont"),
    "cs": ("Centre social du Grand Parc", "centre_social", "Bordeaux"),
    "sp": ("Secours populaire de Cenon", "association", "Cenon"),
}
# The proof seen for each situation (its type only, as always).
PROOFS = {MINIMA: "attestation_caf", JOBLESS: "attestation_france_travail",
          YOUNG: "piece_identite", RETIRED: "attestation_retraite",
          HOMELESS: "attestation_domiciliation", OTHER: "justificatif_domicile"}
# The new devices: brand, model, accessories.
MODELS = {
    "laptop": ("Lenovo", "ThinkPad T480", ["chargeur", "housse", "souris"]),
    "desktop": ("Dell", "OptiPlex 7060", ["clavier", "souris", "câble HDMI"]),
    "tablet": ("Samsung", "Galaxy Tab A8", ["chargeur", "housse"]),
    "smartphone": ("Samsung", "Galaxy A52", ["chargeur", "câble USB-C", "coque"]),
    "hotspot": ("TP-Link", "M7350", ["chargeur", "câble USB"]),
}
# What the referral says the person needs, by situation.
NEEDS = {
    MINIMA: "Démarches CAF et Assurance maladie en ligne",
    JOBLESS: "Recherche d'emploi : espace France Travail, CV, candidatures",
    YOUNG: "Formation et recherche d'emploi, démarches en ligne",
    RETIRED: "Garder le lien avec la famille, démarches de retraite",
    HOMELESS: "Rester joignable et faire ses démarches administratives",
    OTHER: "Démarches en ligne",
}
# How each kind is wiped: method and tool (computers: a disk wipe; the rest: a reset).
WIPE = {"laptop": ("nist_clear", "ShredOS / nwipe"), "desktop": ("nist_clear", "ShredOS / nwipe")}
RESET = ("factory_reset", "Réinitialisation d'usine")


def moment(day: date, hour: int = 10) -> datetime:
    """A time on ``day`` (UTC), never later than now."""
    return min(datetime.combine(day, time(hour), tzinfo=UTC), utcnow())


@dataclass
class Attending:
    """Who follows which path, from when to when (the exit, or its end, or today)."""

    key: str
    path: str
    start: date
    end: date


@dataclass
class Activity:
    """What the stories share: the clock, the actors, and what was made so far."""

    prefix: str
    rng: random.Random
    actors: dict[str, Actor]
    orgs: dict[str, int]
    paths: dict[str, dict[str, Any]]
    day: date  # today, once for the whole load
    numbers: dict[str, str] = field(default_factory=dict)
    decided: dict[str, date] = field(default_factory=dict)
    enrolled: dict[int, Attending] = field(default_factory=dict)  # by enrollment id
    lent: dict[str, tuple[str, ...]] = field(default_factory=dict)  # person key -> tags
    serial: int = 0

    def ago(self, days: int) -> date:
        """``days`` before today, but not before 1 January: this year's events."""
        return max(self.day - timedelta(days=days), date(self.day.year, 1, 1))

    def last_year(self, month: int, day: int) -> date:
        return date(self.day.year - 1, month, day)

    def desk(self, key: str) -> Actor:
        """Who lends and takes back at the person's site: the desk account (Aubiers), else
        the system (the demo has no desk account at the Bastide)."""
        return self.actors["front_desk"] if PEOPLE[key].site == "AUB" else SYSTEM

    # --- people -----------------------------------------------------------------------

    async def refer(self, key: str, on: date, kinds: tuple[str, ...]) -> dict[str, Any]:
        """Register the person and their referral, by the social worker for the CCAS."""
        who = PEOPLE[key]
        actor = self.actors["social_worker" if who.org == "ccas" else "coordinator"]
        person = await beneficiaries.create_beneficiary(
            actor, partner_org_id=self.orgs[who.org], site_code=who.site, first_name=who.first,
            last_name=who.last, birth_year=who.born, commune=who.commune,
            in_priority_area=who.priority_area, situation=who.situation, consent_on=on,
            consent_version="2026-1", confirm_duplicate=True,
            phone=f"06 {40 + len(self.numbers):02d} 31 {who.born % 100:02d} 17")
        self.numbers[key] = person["number"]
        return await referrals.create_referral(
            actor, person["number"], requested_kinds=list(kinds), referred_on=on,
            need=NEEDS[who.situation])

    async def admit(self, key: str, on: date, kinds: tuple[str, ...]) -> None:
        """Referred, accepted and found eligible (or not) on ``on``."""
        referral = await self.refer(key, on, kinds)
        coordinator = self.actors["coordinator"]
        await referrals.answer_referral(coordinator, referral["id"], accept=True)
        await eligibility.decide(coordinator, self.numbers[key], eligibility.DecisionRequest(
            requested_kinds=kinds, proofs=(eligibility.Proof(PROOFS[PEOPLE[key].situation], on),)))
        self.decided[key] = on

    # --- items ------------------------------------------------------------------------

    async def device(self, kind: str, site: str) -> str:
        """A new refurbished device, ready to lend."""
        brand, model, accessories = MODELS[kind]
        self.serial += 1
        row = await items.register_item(
            SYSTEM, kind=kind, site_code=site, prefix=self.prefix, brand=brand, model=model,
            serial=f"PRET{self.serial:05d}", battery_health=self.rng.randint(70, 100),
            cosmetic_grade=self.rng.choice(["A", "B", "B", "C"]), functional_grade="A",
            intake_batch="DON-2026-07", donor="Banque régionale", accessories=accessories,
            os_image="Linux Mint 22 — Emmabuntüs" if kind in {"laptop", "desktop"} else "")
        for target in ("refurbishing", "available"):
            await items.change_state(SYSTEM, row["tag"], target, reason="démonstration")
        return row["tag"]

    async def card(self, kind: str, site: str) -> str:
        self.serial += 1
        return (await items.register_item(
            SYSTEM, kind=kind, site_code=site, prefix=self.prefix, operator="Orange",
            model="Mobicarte", iccid=f"89331009{self.serial:012d}",
            phone_number=f"07 00 90 {self.serial:02d} 00", data_allowance_mb=20_000,
            price_cents=1500, validity_days=30, expires_on=self.day + timedelta(days=365),
            intake_batch="OP-2026-07",
            voucher_code=f"{self.rng.randint(10**13, 10**14 - 1)}"))["tag"]

    # --- loans --------------------------------------------------------------------------

    async def lend(self, key: str, kinds: tuple[str, ...], on: date,
                   enrollment: dict[str, Any] | None = None,
                   tags: tuple[str, ...] = ()) -> tuple[str, tuple[str, ...]]:
        """Lend new items of ``kinds`` (or ``tags``) at the person's site, dated ``on``."""
        site = PEOPLE[key].site
        if not tags:
            tags = tuple([await (self.device(k, site) if k in MODELS else self.card(k, site))
                          for k in kinds])
        lines = tuple(checkout.LineRequest(tag, tuple(MODELS[k][2]) if k in MODELS else ())
                      for tag, k in zip(tags, kinds))
        loan = await checkout.check_out(self.desk(key), checkout.CheckOut(
            beneficiary=self.numbers[key], lines=lines,
            enrollment_id=enrollment["id"] if enrollment else None), self.prefix)
        await self.date_loan(loan["reference"], on,
                             enrollment["expected_end_on"] if enrollment else None)
        self.lent[key] = tags
        return loan["reference"], tags

    async def give_back(self, key: str, tag: str, kind: str, on: date,
                        missing: tuple[str, ...] = (), condition: str = "") -> None:
        back = [a for a in MODELS[kind][2] if a not in missing]
        loan = await loans.return_item(self.desk(key), tag, self.prefix, accessories_back=back,
                                       condition=condition)
        await close_lines_on(loan["reference"], on)

    async def wipe(self, tag: str, kind: str, on: date) -> None:
        method, tool = WIPE.get(kind, RESET)
        await wipes.record_wipe(self.actors["technician"], tag, self.prefix, method=method,
                                tool=tool, wiped_on=on, passed=True, check_passed=True)

    async def date_loan(self, reference: str, on: date, path_end: date | None) -> None:
        """Start the loan on ``on``, its due dates as the loan policy gives them from then."""
        policy = (await eligibility.ruleset_in_force()).rules.loan_policy
        loan = await Loan.select(Loan.id).where(Loan.reference == reference).first()
        dues = []
        for line in await LoanLine.select(LoanLine.id, LoanLine.kind, LoanLine.family).where(
                LoanLine.loan == loan["id"]):
            due = (policy.due_date(Kind(line["kind"]), on, path_end=path_end)
                   if line["family"] == Family.DEVICE else None)
            await LoanLine.update({LoanLine.due_on: due}).where(LoanLine.id == line["id"])
            dues += [due] if due else []
        await Loan.update({Loan.started_on: on, Loan.due_on: min(dues, default=None)}).where(
            Loan.id == loan["id"])

    # --- learning -----------------------------------------------------------------------

    async def enroll(self, key: str, path: str, on: date) -> dict[str, Any]:
        row = await learning.enroll(self.actors["coordinator"], self.numbers[key],
                                    self.paths[path]["id"], started_on=on)
        self.enrolled[row["id"]] = Attending(key, path, on, min(row["expected_end_on"], self.day))
        return row

    async def leave(self, enrollment: dict[str, Any], on: date, outcome: str,
                    status: str = "completed", follow_up: date | None = None) -> None:
        """Close the enrollment on ``on`` with its outcome (and the follow-up's, the same)."""
        await learning.update_enrollment(self.actors["coordinator"], enrollment["id"],
                                         learning.EnrollmentChange(
            status=status, exit_outcome=outcome, exit_on=on,
            follow_up_outcome=outcome if follow_up else None, follow_up_on=follow_up))
        self.enrolled[enrollment["id"]].end = on


async def close_lines_on(reference: str, on: date) -> None:
    """The loan's closed lines (and the loan, if closed) closed on ``on``."""
    loan = await Loan.select(Loan.id).where(Loan.reference == reference).first()
    await LoanLine.update({LoanLine.closed_at: moment(on, 15)}).where(
        (LoanLine.loan == loan["id"]) & LoanLine.closed_at.is_not_null())
    await Loan.update({Loan.closed_at: moment(on, 15)}).where(
        (Loan.id == loan["id"]) & Loan.closed_at.is_not_null())


async def date_decisions(act: Activity) -> None:
    """Each decision (and the referral's answer) dated the day the person was admitted:
    done last, since a check-out needs a decision valid on the day it runs."""
    rules = (await eligibility.ruleset_in_force()).rules
    for key, day in act.decided.items():
        person = (await Beneficiary.select(Beneficiary.id).where(
            Beneficiary.number == act.numbers[key]).first())["id"]
        await EligibilityDecision.update({
            EligibilityDecision.decided_on: day,
            EligibilityDecision.valid_until: valid_until(day, rules),
        }).where(EligibilityDecision.beneficiary == person)
        await Referral.update({Referral.answered_at: moment(day, 11)}).where(
            (Referral.beneficiary == person) & Referral.answered_at.is_not_null())


async def date_waiting(entry_id: int, since: date, closed: date | None = None) -> None:
    values = {WaitingEntry.since: moment(since, 9)}
    if closed is not None:
        values[WaitingEntry.closed_at] = moment(closed, 14)
    await WaitingEntry.update(values).where(WaitingEntry.id == entry_id)


async def date_ticket(ticket_id: int, opened: date, closed: date | None = None) -> None:
    values = {RepairTicket.opened_at: moment(opened, 16)}
    if closed is not None:
        values[RepairTicket.closed_at] = moment(closed, 17)
    await RepairTicket.update(values).where(RepairTicket.id == ticket_id)


async def actors() -> dict[str, Actor]:
    """The demo's staff accounts as the actors of their roles."""
    rows = await StaffUser.select().where(StaffUser.username.is_in(
        ["coordination", "accueil", "technicien", "ccas"]))
    return {row["role"]: auth.actor_from_row(row) for row in rows}
