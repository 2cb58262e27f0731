"""Realistic French demo data: two sites, ~200 devices across states, ~100 cards, one user
per role (passwords printed once), 40 referred people with referrals and decisions, the
typical learning paths with a dozen people enrolled; then a year of activity for the
dashboard (``inventory.demo_year``: more people, loans, returns, repairs, waiting list)."""

from __future__ import annotations

import random
import secrets
from datetime import date, timedelta

from inventory.config import Settings
from inventory.db.tables import Beneficiary, PartnerOrg, Site
from inventory.demo_year import load_year
from inventory.services import (
    auth, beneficiaries, eligibility, items, learning, learning_sessions, referrals,
)
from inventory.services.common import SYSTEM, today, unit_of_work

SITES = (
    ("AUB", "Espace de solidarité numérique des Aubiers", "Place de Port-de-Lune, 33300 Bordeaux"),
    ("BAS", "Antenne de la Bastide", "Rue de la Benauge, 33100 Bordeaux"),
)
DEVICES = (
    ("laptop", "Lenovo", "ThinkPad T480", "Intel Core i5-8350U", 8, 256, 14.0),
    ("laptop", "Dell", "Latitude 5490", "Intel Core i5-8250U", 8, 256, 14.0),
    ("laptop", "HP", "EliteBook 840 G5", "Intel Core i5-8350U", 16, 512, 14.0),
    ("desktop", "Dell", "OptiPlex 7060", "Intel Core i5-8500", 8, 256, None),
    ("tablet", "Samsung", "Galaxy Tab A8", "Unisoc T618", 3, 32, 10.5),
    ("smartphone", "Samsung", "Galaxy A52", "Snapdragon 720G", 6, 128, 6.5),
    ("smartphone", "Apple", "iPhone 8", "A11 Bionic", 2, 64, 4.7),
    ("hotspot", "TP-Link", "M7350", "", None, None, None),
)
ACCESSORIES = {
    "laptop": ["chargeur", "housse", "souris"], "desktop": ["clavier", "souris", "câble HDMI"],
    "tablet": ["chargeur", "housse"], "smartphone": ["chargeur", "câble USB-C", "coque"],
    "hotspot": ["chargeur", "câble USB"],
}
# Where the demo devices stand: (list of transitions from "received", how many).
PATHS = (
    ((), 20), (("refurbishing",), 30), (("refurbishing", "available"), 110),
    (("refurbishing", "available", "reserved"), 10), (("refurbishing", "in_repair"), 15),
    (("refurbishing", "available", "retired"), 15),
)
CARD_PATHS = (((), 70), (("reserved",), 10), (("expired",), 10), (("retired",), 10))
OPERATORS = (("Orange", "Mobicarte"), ("SFR", "La Carte"), ("Bouygues Telecom", "Carte B&You"))


async def _devices(rng: random.Random, settings: Settings) -> None:
    serial = 0
    for path, count in PATHS:
        for _ in range(count):
            kind, brand, model, cpu, ram, storage, screen = rng.choice(DEVICES)
            serial += 1
            row = await items.register_item(
                SYSTEM, kind=kind, site_code=rng.choice(SITES)[0], prefix=settings.tag_prefix,
                brand=brand, model=model, serial=f"DEMO{serial:06d}", cpu=cpu, ram_gb=ram,
                storage_gb=storage, screen_inches=screen, battery_health=rng.randint(60, 100),
                os_image="Linux Mint 22 — Emmabuntüs" if kind in {"laptop", "desktop"} else "",
                cosmetic_grade=rng.choice(["A+", "A", "B", "B", "C"]),
                functional_grade=rng.choice(["A", "A", "B"]), intake_batch=f"DON-{today().year}-{rng.randint(1, 6):02d}",
                donor=rng.choice(["Mairie de Bordeaux", "Banque régionale", "Particulier", "CPAM"]),
                accessories=ACCESSORIES[kind])
            for target in path:
                await items.change_state(SYSTEM, row["tag"], target, reason="démonstration")


async def _cards(rng: random.Random, settings: Settings) -> None:
    for index, (path, count) in enumerate(CARD_PATHS):
        for n in range(count):
            operator, product = rng.choice(OPERATORS)
            row = await items.register_item(
                SYSTEM, kind=rng.choice(["sim", "sim", "data_card"]), site_code=SITES[0][0],
                prefix=settings.tag_prefix, operator=operator, model=product,
                iccid=f"893310{index:02d}{n:012d}", phone_number=f"07 00 {index:02d} {n:02d} 00",
                data_allowance_mb=rng.choice([20_000, 50_000, 100_000]),
                price_cents=rng.choice([1000, 1500, 2000]), validity_days=30,
                expires_on=cards_expire() - timedelta(days=n),
                intake_batch=f"OP-{today():%Y-%m}",
                voucher_code=f"{rng.randint(10**13, 10**14 - 1)}")
            for target in path:
                await items.change_state(SYSTEM, row["tag"], target, reason="démonstration")


FIRST_NAMES = ("Aïcha", "Mamadou", "Élodie", "Karim", "Fatou", "Jean-Pierre", "Nadia", "Yassine",
               "Brigitte", "Moussa", "Chloé", "Hélène", "Ibrahim", "Sylvie", "Théo", "Zineb")
LAST_NAMES = ("Diallo", "Martin", "N'Diaye", "Benali", "Lefèvre", "Traoré", "Moreau", "Haddad",
              "Dubois", "Camara", "Garcia", "Rousseau", "Bensaïd", "Lambert", "Sow", "Fournier")
COMMUNES = ("Bordeaux",) * 6 + ("Bruges", "Lormont", "Cenon", "Mérignac")
SITUATIONS = ("minima_sociaux", "minima_sociaux", "demandeur_emploi", "demandeur_emploi",
              "jeune_16_25", "retraite_faibles_revenus", "sans_domicile", "autre")
WANTS = (["laptop"], ["laptop", "sim"], ["smartphone"], ["tablet"], ["hotspot", "data_card"])


def referrals_start() -> date:
    """The demo's referrals began about three months ago, one a day: relative to today, so
    consents and proofs stay valid and cards unexpired whatever the year the demo is loaded."""
    return today() - timedelta(days=88)


def cards_expire() -> date:
    """The demo's connection cards expire about seven months from now."""
    return today() + timedelta(days=214)


async def _people(rng: random.Random, org_ids: list[int]) -> None:
    """40 referred people: most accepted and found eligible, some pending, a few refused."""
    start = referrals_start()
    for n in range(40):
        person = await beneficiaries.create_beneficiary(
            SYSTEM, partner_org_id=org_ids[n % 2], site_code=SITES[int(n % 3 == 2)][0],
            first_name=rng.choice(FIRST_NAMES), last_name=rng.choice(LAST_NAMES),
            birth_year=rng.randint(1950, 2005), commune=rng.choice(COMMUNES),
            in_priority_area=rng.random() < 0.7, situation=rng.choice(SITUATIONS),
            consent_on=start + timedelta(days=n), consent_version="2026-1",
            phone=f"06 {rng.randint(20, 59)} {rng.randint(10, 99)} {n:02d} 00"
            if rng.random() < 0.8 else None, confirm_duplicate=True)
        kinds = rng.choice(WANTS)
        referral = await referrals.create_referral(
            SYSTEM, person["number"], requested_kinds=kinds, need="Démarches en ligne",
            path_wish=rng.choice(["Initiation", "Emploi", "Démarches en ligne"]),
            referred_on=start + timedelta(days=n))
        if n % 8 == 7:
            continue  # waiting for the association's answer
        await referrals.answer_referral(SYSTEM, referral["id"], accept=True)
        await eligibility.decide(SYSTEM, person["number"], eligibility.DecisionRequest(
            requested_kinds=tuple(kinds),
            proofs=(eligibility.Proof("attestation_caf", start + timedelta(days=n)),)))


async def _learning(rng: random.Random) -> None:
    """The typical paths, a dozen people enrolled, and a first workshop with its attendance."""
    await learning.seed_paths()
    paths = {p["name"]: p for p in await learning.list_paths()}
    people = [r["number"] for r in await Beneficiary.select(Beneficiary.number).order_by(
        Beneficiary.id).limit(12)]
    start = today() - timedelta(days=7)
    for n, number in enumerate(people):
        name = ("Initiation", "Emploi", "Démarches en ligne", "Garder le lien")[n % 4]
        await learning.enroll(SYSTEM, number, paths[name]["id"], started_on=start)
    first = paths["Initiation"]["modules"][0]
    session = await learning_sessions.create_workshop(SYSTEM, learning_sessions.SessionInput(
        held_on=start, topics=(first["topic"],), duration_minutes=120, site_code=SITES[0][0],
        module_id=first["id"]))
    await learning_sessions.record_attendance(
        SYSTEM, session["id"], [(number, rng.random() < 0.85) for number in people[::4]])


async def load_demo(settings: Settings, if_empty: bool) -> list[tuple[str, str, str]] | None:
    """Load the demo data; returns the accounts created, or None if data was already there."""
    async with unit_of_work():  # one transaction: all the demo or none of it, and fast
        if if_empty and await Site.count() > 0:
            return None
        return await _load(settings)


async def _load(settings: Settings) -> list[tuple[str, str, str]]:
    rng = random.Random(2026)
    for code, name, address in SITES:
        await Site.insert(Site(code=code, name=name, address=address))
    org = PartnerOrg(name="CCAS de Bordeaux", org_type="ccas", commune="Bordeaux")
    await org.save()
    other = PartnerOrg(name="Mission locale Bordeaux Avenir Jeunes", org_type="mission_locale",
                       commune="Bordeaux")
    await other.save()
    accounts = []
    for username, role, name in (
        ("admin", "admin", "Amina Admin"), ("coordination", "coordinator", "Claire Martin"),
        ("accueil", "front_desk", "Karim Benali"), ("technicien", "technician", "Lucas Petit"),
        ("ccas", "social_worker", "Sophie Durand"),
    ):
        password = secrets.token_urlsafe(12)
        await auth.create_user(username=username, password=password, role=role,
                               display_name=name, site_code=SITES[0][0],
                               partner_org_id=org.id if role == "social_worker" else None)
        accounts.append((username, password, role))
    await _devices(rng, settings)
    await _cards(rng, settings)
    await _people(rng, [org.id, other.id])
    await _learning(rng)
    await load_year(settings.tag_prefix, {"ccas": org.id, "ml": other.id})
    return accounts
