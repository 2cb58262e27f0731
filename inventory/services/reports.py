"""The coordinators' dashboard: every figure of a period as aggregates computed by the database.

Four queries (people and breakdowns; loans, cards, repairs and waiting list; devices;
referrals) run in one read-only transaction, so the figures agree with each other; no row of
people or loans comes back to Python, only counts. Measured: ``python -m bench reports``.

What each figure counts, for the period [start, end] (days in Europe/Paris) and, with a site,
for that site only (people: the site following them; loans: the site that lent; devices,
repairs and the waiting list: their site; referrals: the person's site):

- **people accompanied**: people with a loan open at some point in the period, a presence at a
  workshop or drop-in session held in it, or a learning-path enrollment active during it
  (started by its end, not exited before its start). A record merged into another counts as
  that other person, once.
- **first time**: those of them whose first such activity ever started in the period.
- **autonomous at exit**: people with an enrollment exited in the period with the outcome
  "autonomous"; **at follow-up**: the same for the 6-month follow-up recorded in the period.
- **goal reached**: people autonomous at the exit of an enrollment, from the first records
  to the period's end; the goal itself is the ``goal_autonomous`` setting.
- **devices by state** (and by site): devices as they are today, retired ones included.
- As of the reference day (the period's last day, or today if the period is not over):
  **loans open**: loans started by then and not closed by its end; **overdue**: those with a
  device still out whose due date had passed (due dates as they are now: a renewal after
  that day moves them); **lost**: devices declared lost or stolen by then whose loss was
  not settled by then; **waiting now**: waiting-list entries open then, and the **average
  wait**: whole days each of them had waited by then.
- **loans started**: loans whose start day is in the period. **returned**: devices brought
  back in the period; **lost in the period**: devices declared lost or stolen in it;
  **return rate**: returned / (returned + lost in the period), none without either.
- **cards issued**: connection cards handed over in loans started in the period; **data
  supplied**: their data allowance plus the top-ups recorded in the period (MB).
- **repairs opened / closed** in the period; **median turnaround**: the median time from
  opening to closing of the repairs closed in the period, in days.
- **referrals by partner**: referrals dated in the period, whatever their answer.
- **breakdowns**: the people accompanied, the loans they started in the period and those
  autonomous at exit, by site, commune, priority area, age band (decade of birth: the same
  before and after anonymisation), social situation and referring organisation.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date, timedelta
from typing import Any

from inventory.config import DEFAULT_GOAL_AUTONOMOUS
from inventory.db import sql
from inventory.db.engine import is_sqlite
from inventory.db.tables import Site
from inventory.domain import reports as rules
from inventory.domain.days import day_start
from inventory.domain.errors import N_, NotFound
from inventory.domain.eligibility import SITUATION_LABELS
from inventory.domain.lifecycle import STATE_LABELS, State
from inventory.domain.reports import Breakdown, BreakdownRow, Dashboard, Figure, Period
from inventory.services.common import Actor, engine, today

_NAME = re.compile(r"(?<![:\w]):([a-z_]+)")
_BAND = (f"CASE WHEN b.birth_year < {rules.OLDEST_DECADE + 10} THEN {rules.OLDEST_DECADE} "
         f"WHEN b.birth_year >= {rules.YOUNGEST_DECADE} THEN {rules.YOUNGEST_DECADE} "
         "ELSE b.birth_year - b.birth_year % 10 END")


def _bind(text: str, values: dict[str, Any]) -> tuple[str, list[Any]]:
    """``:name`` parameters as ``$1, $2…`` in order of first use, with their values."""
    order: list[str] = []

    def number(match: re.Match[str]) -> str:
        if match[1] not in order:
            order.append(match[1])
        return f"${order.index(match[1]) + 1}"

    return _NAME.sub(number, text), [values[name] for name in order]


async def _rows(text: str, values: dict[str, Any]) -> list[dict[str, Any]]:
    query, args = _bind(text, values)
    return await sql.fetch(engine(), query, *args)


def _days(start: str, end: str) -> str:
    """SQL for the days (with a fraction) from one timestamp to another."""
    if is_sqlite(engine()):
        return f"(julianday({end}) - julianday({start}))"
    return f"(EXTRACT(EPOCH FROM ({end} - {start})) / 86400.0)"


def _moment(param: str) -> str:
    """A timestamp parameter used in arithmetic (PostgreSQL must be told its type)."""
    return param if is_sqlite(engine()) else f"CAST({param} AS TIMESTAMPTZ)"


# --- people and breakdowns --------------------------------------------------------------

_ACTIVITY = """
WITH activity AS (
    SELECT l.beneficiary AS bid, MIN(l.started_on) AS first_on,
           MAX(CASE WHEN l.closed_at IS NULL OR l.closed_at >= :start_at THEN 1 ELSE 0 END)
             AS active,
           SUM(CASE WHEN l.started_on >= :start THEN 1 ELSE 0 END) AS loans,
           0 AS exit_auto, 0 AS follow_auto, 0 AS goal
    FROM loan l WHERE l.started_on <= :end GROUP BY l.beneficiary
    UNION ALL
    SELECT a.beneficiary, MIN(w.held_on), MAX(CASE WHEN w.held_on >= :start THEN 1 ELSE 0 END),
           0, 0, 0, 0
    FROM attendance a JOIN workshop w ON w.id = a.workshop
    WHERE a.present AND w.held_on <= :end GROUP BY a.beneficiary
    UNION ALL
    SELECT e.beneficiary, MIN(e.started_on),
           MAX(CASE WHEN e.exit_on IS NULL OR e.exit_on >= :start THEN 1 ELSE 0 END), 0,
           MAX(CASE WHEN e.exit_outcome = 'autonomous' AND e.exit_on >= :start
                    AND e.exit_on <= :end THEN 1 ELSE 0 END),
           MAX(CASE WHEN e.follow_up_outcome = 'autonomous' AND e.follow_up_on >= :start
                    AND e.follow_up_on <= :end THEN 1 ELSE 0 END),
           MAX(CASE WHEN e.exit_outcome = 'autonomous' AND e.exit_on <= :end THEN 1 ELSE 0 END)
    FROM enrollment e WHERE e.started_on <= :end GROUP BY e.beneficiary
),
by_record AS (
    SELECT bid, MIN(first_on) AS first_on, MAX(active) AS active, SUM(loans) AS loans,
           MAX(exit_auto) AS exit_auto, MAX(follow_auto) AS follow_auto, MAX(goal) AS goal
    FROM activity GROUP BY bid
),
by_person AS (
    SELECT y.pid, MIN(y.first_on) AS first_on, MAX(y.active) AS active, SUM(y.loans) AS loans,
           MAX(y.exit_auto) AS exit_auto, MAX(y.follow_auto) AS follow_auto, MAX(y.goal) AS goal
    FROM (SELECT x.*, CASE WHEN r.merged_into IS NULL THEN x.bid ELSE COALESCE(
                     (SELECT k.id FROM beneficiary k WHERE k.number = r.merged_into), x.bid)
                 END AS pid
          FROM by_record x JOIN beneficiary r ON r.id = x.bid) y
    GROUP BY y.pid
),
people AS (
    SELECT p.active, p.loans, p.exit_auto, p.follow_auto, p.goal,
           CASE WHEN p.active = 1 AND p.first_on >= :start THEN 1 ELSE 0 END AS first_time,
           b.site, b.commune, b.situation, b.partner_org, {band} AS band,
           CASE WHEN b.in_priority_area THEN 'yes' ELSE 'no' END AS priority
    FROM by_person p JOIN beneficiary b ON b.id = p.pid
    WHERE (p.active = 1 OR p.follow_auto = 1 OR p.goal = 1) {site}
)
SELECT 'total' AS dimension, '' AS key, '' AS label, SUM(active) AS people,
       SUM(first_time) AS first_time, SUM(loans) AS loans, SUM(exit_auto) AS autonomous,
       SUM(follow_auto) AS follow_up, SUM(goal) AS goal
FROM people
"""
_GROUP = """
UNION ALL
SELECT '{dimension}', {key}, {label}, COUNT(*), 0, SUM(x.loans), SUM(x.exit_auto), 0, 0
FROM people x {join} WHERE x.active = 1 GROUP BY {group}
"""
# dimension: (key, label, join, group by)
_DIMENSIONS = {
    "site": ("s.code", "s.name", "JOIN site s ON s.id = x.site", "s.code, s.name"),
    "commune": ("x.commune", "x.commune", "", "x.commune"),
    "priority_area": ("x.priority", "''", "", "x.priority"),
    "age_band": ("CAST(x.band AS TEXT)", "''", "", "x.band"),
    "situation": ("x.situation", "''", "", "x.situation"),
    "partner_org": ("CAST(o.id AS TEXT)", "o.name",
                    "JOIN partner_org o ON o.id = x.partner_org", "o.id, o.name"),
}


def _people_sql(site_id: int | None) -> str:
    text = _ACTIVITY.format(band=_BAND, site="AND b.site = :site" if site_id else "")
    for dimension, (key, label, join, group) in _DIMENSIONS.items():
        text += _GROUP.format(dimension=dimension, key=key, label=label, join=join, group=group)
    return text


def _label(dimension: str, key: str, label: str) -> str:
    """A breakdown row's label: a message id for the fixed dimensions, else the name."""
    if dimension == "priority_area":
        return rules.PRIORITY_AREA_LABELS.get(key, key)
    if dimension == "age_band":
        return rules.AGE_BAND_LABELS.get(int(key), key)
    if dimension == "situation":
        return SITUATION_LABELS.get(key, key)
    return label or key


def _order(dimension: str, row: BreakdownRow) -> tuple:
    """Fixed dimensions in their natural order; places and organisations by size."""
    if dimension == "priority_area":
        return (row.key != "yes",)
    if dimension == "age_band":
        return (-int(row.key),)  # youngest first
    if dimension == "situation":
        return (list(SITUATION_LABELS).index(row.key) if row.key in SITUATION_LABELS else 99,)
    return (-row.people, row.label.casefold(), row.key)


def _breakdowns(rows: list[dict[str, Any]]) -> tuple[Breakdown, ...]:
    found = []
    for dimension in _DIMENSIONS:
        mine = [BreakdownRow(key=str(r["key"]), label=_label(dimension, str(r["key"]),
                                                             r["label"] or ""),
                             people=int(r["people"]), loans=int(r["loans"] or 0),
                             autonomous=int(r["autonomous"] or 0))
                for r in rows if r["dimension"] == dimension]
        found.append(Breakdown(dimension, tuple(sorted(mine, key=lambda r, d=dimension:
                                                       _order(d, r)))))
    return tuple(found)


# --- loans, cards, repairs, waiting list ------------------------------------------------

# Each count reads only its period's rows through an index (migration "Indexes for the
# reports"); a line's loan is read only for its site (a line due before the reference day
# was lent before it: a due date follows its loan's start).
_FIGURES = """{with_site_loans}
SELECT
 (SELECT COUNT(*) FROM loan l WHERE l.started_on >= :start AND l.started_on <= :end {site})
   AS loans_started,
 (SELECT COUNT(*) FROM loan l WHERE (l.closed_at IS NULL OR l.closed_at >= :as_of_end)
   AND l.started_on <= :as_of {site}) AS loans_open,
 (SELECT COUNT(DISTINCT ll.loan) FROM loan_line ll
   WHERE (ll.closed_at IS NULL OR ll.closed_at >= :as_of_end) AND ll.family = 'device'
   AND ll.due_on < :as_of {lines}) AS loans_overdue,
 (SELECT COUNT(*) FROM loan_line ll
   WHERE ll.outcome IN ('lost', 'stolen') AND ll.closed_at < :as_of_end
   AND (ll.loss_resolved_at IS NULL OR ll.loss_resolved_at >= :as_of_end) {lines})
   AS loans_lost,
 (SELECT COUNT(*) FROM loan_line ll
   WHERE ll.closed_at >= :start_at AND ll.closed_at < :end_at AND ll.outcome = 'returned'
   AND ll.family = 'device' {lines}) AS loans_returned,
 (SELECT COUNT(*) FROM loan_line ll
   WHERE ll.closed_at >= :start_at AND ll.closed_at < :end_at
   AND ll.outcome IN ('lost', 'stolen') {lines}) AS loans_lost_in_period,
 (SELECT SUM(t.data_mb) FROM card_top_up t JOIN item i ON i.id = t.item
   WHERE t.topped_up_on >= :start AND t.topped_up_on <= :end {item}) AS top_up_mb,
 (SELECT COUNT(*) FROM repair_ticket t WHERE t.opened_at >= :start_at
   AND t.opened_at < :end_at {ticket}) AS repairs_opened,
 (SELECT COUNT(*) FROM repair_ticket t WHERE t.closed_at >= :start_at
   AND t.closed_at < :end_at {ticket}) AS repairs_closed,
 (SELECT AVG(r.days) FROM (
     SELECT d.days, ROW_NUMBER() OVER (ORDER BY d.days) AS n, COUNT(*) OVER () AS c
     FROM (SELECT {turnaround} AS days FROM repair_ticket t WHERE t.closed_at >= :start_at
           AND t.closed_at < :end_at {ticket}) d) r
   WHERE r.n = (r.c + 1) / 2 OR r.n = (r.c + 2) / 2) AS repair_median_days,
 (SELECT COUNT(*) FROM waiting_entry w WHERE w.since < :as_of_end
   AND (w.closed_at IS NULL OR w.closed_at >= :as_of_end) {waiting}) AS waiting_now,
 (SELECT AVG(FLOOR({waited})) FROM waiting_entry w WHERE w.since < :as_of_end
   AND (w.closed_at IS NULL OR w.closed_at >= :as_of_end) {waiting}) AS waiting_average_days,
 cards.cards_issued, cards.allowance_mb
FROM (SELECT COUNT(*) AS cards_issued, SUM(i.data_allowance_mb) AS allowance_mb
      FROM loan l JOIN loan_line ll ON ll.loan = l.id JOIN item i ON i.id = ll.item
      WHERE l.started_on >= :start AND l.started_on <= :end AND ll.family = 'card' {site}
     ) cards
"""


def _site_lines(site_id: int | None) -> dict[str, str]:
    """The condition "this loan line's loan was lent at the site", as each database runs it
    fastest (measured): SQLite looks the line's loan up in a list of the site's loans built
    once (the ``+`` keeps it from reading every loan of the site first); PostgreSQL checks
    the loan itself."""
    if not site_id:
        return {"with_site_loans": "", "lines": ""}
    if is_sqlite(engine()):
        return {"with_site_loans": "WITH site_loans AS (SELECT l.id FROM loan l "
                                   "WHERE l.site = :site)",
                "lines": "AND +ll.loan IN (SELECT id FROM site_loans)"}
    return {"with_site_loans": "", "lines": "AND EXISTS (SELECT 1 FROM loan l "
                                            "WHERE l.id = ll.loan AND l.site = :site)"}


def _figures_sql(site_id: int | None) -> str:
    def where(column: str) -> str:
        return f"AND {column} = :site" if site_id else ""

    waited = _days("w.since", _moment(":as_of_end"))
    if is_sqlite(engine()):  # SQLite has no FLOOR before 3.44; the days are positive
        waited = f"CAST({waited} AS INTEGER)"
    text = _FIGURES.replace("FLOOR({waited})", "{waited}") if is_sqlite(engine()) else _FIGURES
    return text.format(site=where("l.site"), item=where("i.site"), ticket=where("t.site"),
                       waiting=where("w.site"), turnaround=_days("t.opened_at", "t.closed_at"),
                       waited=waited,
                       **_site_lines(site_id))


# --- devices and referrals --------------------------------------------------------------

_DEVICES = """
SELECT s.code AS code, s.name AS site, i.state AS state, COUNT(*) AS devices
FROM item i JOIN site s ON s.id = i.site WHERE i.family = 'device' {site}
GROUP BY s.code, s.name, i.state
"""
_REFERRALS = """
SELECT CAST(o.id AS TEXT) AS key, o.name AS label, COUNT(*) AS referrals
FROM referral r JOIN partner_org o ON o.id = r.partner_org {join}
WHERE r.referred_on >= :start AND r.referred_on <= :end {site}
GROUP BY o.id, o.name
"""
_STATE_ORDER = {state.value: n for n, state in enumerate(State)}


def _state_figures(rows: list[dict[str, Any]]) -> tuple[Figure, ...]:
    """Counts per state (rows of one site, or of all), in the lifecycle's order."""
    totals: dict[str, int] = {}
    for row in rows:  # at most one row per site and state: aggregates, not devices
        totals[row["state"]] = totals.get(row["state"], 0) + int(row["devices"])
    return tuple(Figure(state, STATE_LABELS.get(state, state), count) for state, count in
                 sorted(totals.items(), key=lambda kv: _STATE_ORDER.get(kv[0], 99)))


def _devices(rows: list[dict[str, Any]]) -> tuple[tuple[Figure, ...],
                                                  tuple[tuple[str, tuple[Figure, ...]], ...]]:
    sites = sorted({(r["site"], r["code"]) for r in rows}, key=lambda s: s[0].casefold())
    return _state_figures(rows), tuple(
        (name, _state_figures([r for r in rows if r["code"] == code])) for name, code in sites)


# --- the dashboard ----------------------------------------------------------------------

@asynccontextmanager
async def read_only() -> AsyncIterator[None]:
    """One consistent snapshot for every query, without holding up the writers."""
    db = engine()
    async with db.transaction():
        if not is_sqlite(db):
            await sql.execute(db, "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


async def _site_id(code: str | None) -> int | None:
    if code is None:
        return None
    row = await Site.select(Site.id).where(Site.code == code).first()
    if row is None:
        raise NotFound(N_("No site with code “{code}”."), code=code[:20])
    return row["id"]


def _number(value: Any) -> float | None:
    return None if value is None else round(float(value), 2)


def _parameters(period: Period, site_id: int | None) -> dict[str, Any]:
    as_of = rules.reference_day(period, today())
    values = {"start": period.start, "end": period.end,
              "start_at": day_start(period.start),
              "end_at": day_start(period.end + timedelta(days=1)),
              "as_of": as_of, "as_of_end": day_start(as_of + timedelta(days=1))}
    return values | ({"site": site_id} if site_id else {})


async def dashboard(actor: Actor, period: Period, site_code: str | None = None, *,
                    goal: int = DEFAULT_GOAL_AUTONOMOUS) -> Dashboard:
    """Every figure of the dashboard for ``period`` (and one site), computed by the database;
    ``goal``: people autonomous aimed at (the app passes its ``goal_autonomous`` setting)."""
    rules.check_period(period)
    async with read_only():
        site_id = await _site_id(site_code or None)
        values = _parameters(period, site_id)
        people = await _rows(_people_sql(site_id), values)
        figures = (await _rows(_figures_sql(site_id), values))[0]
        devices = await _rows(_DEVICES.format(site="AND i.site = :site" if site_id else ""),
                              values)
        referrals = await _rows(_REFERRALS.format(
            join="JOIN beneficiary b ON b.id = r.beneficiary" if site_id else "",
            site="AND b.site = :site" if site_id else ""), values)
    return _assemble(period, site_code or None, values["as_of"], people, figures, devices,
                     referrals, goal)


def _assemble(period: Period, site_code: str | None, as_of: date, people: list[dict[str, Any]],
              figures: dict[str, Any], devices: list[dict[str, Any]],
              referrals: list[dict[str, Any]], goal: int) -> Dashboard:
    total = next(r for r in people if r["dimension"] == "total")
    count = {key: int(value or 0) for key, value in {**total, **figures}.items()
             if key not in ("dimension", "key", "label", "repair_median_days",
                            "waiting_average_days")}
    returned, lost = count["loans_returned"], count["loans_lost_in_period"]
    by_state, by_site = _devices(devices)
    return Dashboard(
        period=period, site_code=site_code, people_accompanied=count["people"],
        people_first_time=count["first_time"], autonomous_at_exit=count["autonomous"],
        autonomous_at_follow_up=count["follow_up"], goal_autonomous=goal,
        goal_reached=count["goal"], devices_by_state=by_state, devices_by_site=by_site,
        loans_open=count["loans_open"], loans_overdue=count["loans_overdue"],
        loans_lost=count["loans_lost"], loans_started=count["loans_started"],
        loans_returned=returned,
        return_rate=round(returned / (returned + lost), 4) if returned + lost else None,
        cards_issued=count["cards_issued"],
        data_supplied_mb=count["allowance_mb"] + count["top_up_mb"],
        repairs_opened=count["repairs_opened"], repairs_closed=count["repairs_closed"],
        repair_median_days=_number(figures["repair_median_days"]),
        waiting_now=count["waiting_now"],
        waiting_average_days=_number(figures["waiting_average_days"]),
        referrals_by_partner=tuple(sorted(
            (Figure(r["key"], r["label"], int(r["referrals"])) for r in referrals),
            key=lambda f: (-f.value, f.label.casefold()))),
        breakdowns=_breakdowns(people), loans_lost_in_period=lost, as_of=as_of)

