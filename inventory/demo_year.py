"""The stories of the demo's year: who borrows what, when it comes back, who waits, who
leaves a path autonomous. The people and the means to tell the stories through the use cases
are in ``inventory.demo_activity``; ``load_year`` tells them all (in the demo's transaction)."""

from __future__ import annotations

import random
from datetime import date, timedelta

from inventory.demo_activity import (
    ORGS, PEOPLE, Activity, actors, close_lines_on, date_decisions, date_ticket, date_waiting,
)
from inventory.services import (
    cards, learning, learning_sessions, loans, partners, referrals, repairs, waiting,
)
from inventory.services.common import SYSTEM, today

# Lent for a path and back a few days after its end (person, kind, path, lent and back: days
# ago, outcome at the exit, accessories missing at the return).
RETURNED = (
    ("awa", "laptop", "Emploi", 150, 122, "autonomous", ()),
    ("remi", "laptop", "Emploi", 140, 112, "partly", ()),
    ("lina", "tablet", "Démarches en ligne", 110, 82, "autonomous", ()),
    ("gerard", "smartphone", "Garder le lien", 95, 67, "autonomous", ()),
    ("samira", "laptop", None, 120, 28, None, ("chargeur",)),
)
# Still out, not due yet (person, kinds, path served, lent: days ago).
OPEN = (
    ("mariama", ("laptop", "sim"), "Démarches en ligne", 10),
    ("thomas", ("laptop",), "Emploi", 6),
    ("josiane", ("tablet",), None, 35),
    ("youssef", ("laptop",), None, 50),
    ("ines", ("hotspot", "data_card"), None, 20),
    ("bakary", ("smartphone", "sim"), None, 15),
    ("odile", ("desktop",), "Initiation", 4),
)
# Lent so long ago that they are overdue (days ago: maybe last year early in January).
OVERDUE = (("franck", "laptop", 130), ("aminata", "tablet", 160), ("lucien", "smartphone", 200))
# A card handed over alone (person, kind, days ago, activated the next day).
CARDS = (("nadege", "sim", 6, True), ("hamid", "data_card", 22, False),
         ("chantal", "sim", 40, False))
# On the waiting list (person, kind, site, since: days ago).
WAITING = (("moustapha", "smartphone", "BAS", 40), ("lea", "smartphone", "BAS", 18),
           ("dominique", "desktop", "AUB", 25), ("sofiane", "tablet", "BAS", 9))
# A learning path without a loan (person, path, start and exit: days ago, status, outcome).
PATHS_ONLY = (
    ("nicole", "Garder le lien", 75, 45, "completed", "autonomous"),
    ("ahmed", "Emploi", 100, 70, "completed", "autonomous"),
    ("priscilla", "Démarches en ligne", 60, 30, "completed", "partly"),
    ("julien", "Initiation", 50, 38, "abandoned", "assisted"),
    ("fatoumata", "Scolarité des enfants", 80, 42, "completed", "autonomous"),
)


async def _returned(act: Activity) -> None:
    """Lent (most for a path), back a few days after the due date, wiped the next day; the
    path closed on the day of the return, with its outcome."""
    for key, kind, path, lent, back, outcome, missing in RETURNED:
        await act.admit(key, act.ago(lent + 14), (kind,))
        enrollment = await act.enroll(key, path, act.ago(lent + 2)) if path else None
        _reference, (tag,) = await act.lend(key, (kind,), act.ago(lent), enrollment)
        await act.give_back(key, tag, kind, act.ago(back), missing)
        await act.wipe(tag, kind, act.ago(back - 1))
        if enrollment:
            await act.leave(enrollment, act.ago(back), outcome)


async def _repaired(act: Activity) -> None:
    """A laptop back with a broken hinge: repaired, wiped, available again after nine days."""
    await act.admit("kevin", act.ago(100), ("laptop",))
    _reference, (tag,) = await act.lend("kevin", ("laptop",), act.ago(90))
    await act.give_back("kevin", tag, "laptop", act.ago(40),
                        condition="Charnière gauche cassée, l'écran ne tient plus")
    ticket = await repairs.open_repair(act.desk("kevin"), tag, act.prefix,
                                       "Charnière gauche cassée au retour du prêt",
                                       workshop=False)
    technician = act.actors["technician"]
    await repairs.update_repair(technician, ticket["id"], diagnosis="Charnière fendue, écran "
                                "intact", actions="Charnière gauche remplacée", add_minutes=50)
    await repairs.add_part(technician, ticket["id"], "Charnière gauche ThinkPad T480", 1890)
    await act.wipe(tag, "laptop", act.ago(32))
    await repairs.close_repair(technician, ticket["id"], "available")
    await date_ticket(ticket["id"], act.ago(40), act.ago(31))


async def _open_repair(act: Activity) -> None:
    """A tablet of the last donation whose battery swells: waiting for a new one."""
    tag = await act.device("tablet", "BAS")
    technician = act.actors["technician"]
    ticket = await repairs.open_repair(technician, tag, act.prefix,
                                       "Batterie gonflée, la coque se soulève", workshop=True)
    await repairs.update_repair(technician, ticket["id"], diagnosis="Batterie à remplacer",
                                status="waiting_parts", add_minutes=20)
    await date_ticket(ticket["id"], act.ago(12))


async def _out(act: Activity) -> None:
    """Loans still out: on time, overdue, and a smartphone lost in the tram."""
    for key, kinds, path, lent in OPEN:
        await act.admit(key, act.ago(lent + 14), kinds)
        enrollment = await act.enroll(key, path, act.ago(lent + 2)) if path else None
        await act.lend(key, kinds, act.ago(lent), enrollment)
    for key, kind, lent in OVERDUE:
        await act.admit(key, act.day - timedelta(days=lent + 10), (kind,))
        await act.lend(key, (kind,), act.day - timedelta(days=lent))
    await act.admit("jordan", act.ago(130), ("smartphone",))
    reference, (tag,) = await act.lend("jordan", ("smartphone",), act.ago(120))
    await loans.declare_loss(SYSTEM, tag, act.prefix, outcome="lost", on=act.ago(30),
                             circumstances="Oublié dans le tram A, signalé le lendemain")
    await close_lines_on(reference, act.ago(29))


async def _cards(act: Activity) -> None:
    """Cards handed over alone, one of them activated; the SIM handed over with a laptop
    topped up."""
    for key, kind, lent, activated in CARDS:
        await act.admit(key, act.ago(lent + 7), (kind,))
        _reference, (tag,) = await act.lend(key, (kind,), act.ago(lent))
        if activated:
            await cards.activate(SYSTEM, tag, on=act.ago(lent - 1))
    sim = act.lent["mariama"][1]  # her laptop's SIM card (OPEN)
    await cards.top_up(SYSTEM, sim, amount_cents=1000, data_mb=10_000, on=act.ago(3))


async def _waiting(act: Activity) -> None:
    """People waiting for a kind at a site, and one served: a laptop set aside, then lent."""
    coordinator = act.actors["coordinator"]
    for key, kind, site, since in WAITING:
        await act.admit(key, act.ago(since + 5), (kind,))
        entry = await waiting.add_entry(coordinator, act.numbers[key], kind, site)
        await date_waiting(entry["id"], act.ago(since))
    await act.admit("rose", act.ago(75), ("laptop",))
    entry = await waiting.add_entry(coordinator, act.numbers["rose"], "laptop", "AUB")
    tag = await act.device("laptop", "AUB")
    await waiting.propose(coordinator, entry["id"], tag, act.prefix)
    await act.lend("rose", ("laptop",), act.ago(12), tags=(tag,))
    await date_waiting(entry["id"], act.ago(70), act.ago(12))
    for key, days in (("moustapha", 30), ("lea", 10)):
        await learning_sessions.record_drop_in(
            coordinator, act.numbers[key], held_on=act.ago(days), duration_minutes=30,
            topic="Scanner et envoyer un justificatif", site_code="BAS")


async def _paths_only(act: Activity) -> None:
    """Paths followed with the association's own devices: most closed autonomous."""
    for key, path, start, end, status, outcome in PATHS_ONLY:
        await act.admit(key, act.ago(start + 10), ("tablet",))
        enrollment = await act.enroll(key, path, act.ago(start))
        await act.leave(enrollment, act.ago(end), outcome, status)


async def _last_year(act: Activity) -> None:
    """Last year: two loans for a path, back at its end; a path closed in July whose
    6-month follow-up was recorded this year."""
    ly = act.last_year
    for key, kind, path, referred, lent, back, outcome in (
            ("yannick", "laptop", "Emploi", ly(8, 25), ly(9, 10), ly(10, 8), "autonomous"),
            ("khadija", "tablet", "Démarches en ligne", ly(9, 20), ly(10, 3), ly(10, 30),
             "partly")):
        await act.admit(key, referred, (kind,))
        enrollment = await act.enroll(key, path, lent - timedelta(days=2))
        _reference, (tag,) = await act.lend(key, (kind,), lent, enrollment)
        await act.give_back(key, tag, kind, back)
        await act.wipe(tag, kind, back + timedelta(days=1))
        await act.leave(enrollment, back, outcome)
    await act.admit("marcel", ly(2, 20), ("tablet",))
    enrollment = await act.enroll("marcel", "Garder le lien", ly(3, 2))
    await act.leave(enrollment, ly(7, 10), "autonomous",
                    follow_up=min(act.day, date(act.day.year, 1, 12)))


async def _unanswered(act: Activity) -> None:
    """Two referrals waiting for an answer, one declined, one person not eligible."""
    await act.refer("maelle", act.ago(3), ("laptop",))
    await act.refer("patrice", act.ago(1), ("smartphone", "sim"))
    await act.admit("sandrine", act.ago(20), ("laptop",))  # Mérignac is not served
    referral = await act.refer("alain", act.ago(15), ("laptop",))
    await referrals.answer_referral(
        act.actors["coordinator"], referral["id"], accept=False,
        reason="Hors du territoire desservi : orienté vers l'espace numérique de Pessac")


async def _sessions(act: Activity) -> None:
    """A workshop of its path's first module two days after each start, with whoever is on
    that path then (present, or now and then absent)."""
    coordinator = act.actors["coordinator"]
    held: set[tuple[str, date]] = set()
    for first in list(act.enrolled.values()):
        day = min(first.start + timedelta(days=2), act.day)
        if (first.path, day) in held:
            continue
        held.add((first.path, day))
        module = act.paths[first.path]["modules"][0]
        session = await learning_sessions.create_workshop(
            coordinator, learning_sessions.SessionInput(
                held_on=day, topics=(module["topic"],), duration_minutes=120,
                site_code=PEOPLE[first.key].site, module_id=module["id"]))
        marks = [(act.numbers[a.key], act.rng.random() < 0.9) for a in act.enrolled.values()
                 if a.path == first.path and a.start <= day <= a.end]
        await learning_sessions.record_attendance(coordinator, session["id"], marks)


async def load_year(prefix: str, org_ids: dict[str, int]) -> None:
    """Tell every story; ``org_ids``: the demo's first two organisations ("ccas", "ml")."""
    orgs = dict(org_ids)
    for key, (name, org_type, commune) in ORGS.items():
        orgs[key] = (await partners.create_org(SYSTEM, name=name, org_type=org_type,
                                               commune=commune))["id"]
    paths = {p["name"]: p for p in await learning.list_paths()}
    act = Activity(prefix, random.Random(2027), await actors(), orgs, paths, today())
    for story in (_returned, _repaired, _open_repair, _out, _cards, _waiting, _paths_only,
                  _last_year, _unanswered, _sessions):
        await story(act)
    await date_decisions(act)
