"""The desk's reminders page, on both databases: late loans of the desk's people a page at a
time, one "send a reminder" per loan and day through the outbox, failures and letters said
plainly, and nobody outside the scope or the permission gets anywhere."""

from __future__ import annotations

from contextlib import AsyncExitStack
from datetime import timedelta

import pytest

from inventory.db.tables import AccessLog, Loan, Reminder
from inventory.domain.days import local_moment
from inventory.domain.reminders import AlreadyReminded, FAILURES, NotRemindable
from inventory.i18n import gettext_for
from inventory.services.common import today
from inventory.services.reminders import letter_list, overdue_loans
from inventory.web import reminders as page
from tests.integration.people_world import build_world
from tests.integration.test_loans_api import available, eligible, lend
from tests.integration.test_reminders import FakeSender
from tests.integration.test_web_portal import send

FR = gettext_for("fr")
HTMX = {"hx-request": "true"}


@pytest.fixture
async def world(app):
    async with AsyncExitStack() as stack:
        yield await build_world(app, stack)


@pytest.fixture
def sender(app):
    """The app's reminder sender, replaced by one that records what it sends."""
    fake = FakeSender()
    app.state.reminder_sender = fake
    return fake


async def late_loan(world, days_late: int, *, by=None, **person) -> str:
    """A laptop lent to a person, due back ``days_late`` days ago (negative: not yet due)."""
    number = await eligible(world, **person)
    response = await lend(by or world.desk_aub, number, await available())
    assert response.status_code == 201, response.text
    reference = response.json()["reference"]
    await Loan.update({Loan.due_on: today() - timedelta(days=days_late)}).where(
        Loan.reference == reference)
    return reference


async def remind(caller, reference: str, **headers):
    return await send(caller, f"/reminders/loans/{reference}", {}, **headers)


async def remind_api(caller, reference: str):
    return await caller.post(f"/api/v1/loans/{reference}/reminders")


def outcome_of(text: str) -> str:
    """The message of the swapped row (or of the page)."""
    start = text.index('data-testid="reminder-outcome"') if 'reminder-outcome' in text \
        else text.index('data-testid="reminder-notice"')
    return text[start:text.index("</p>", start)]


async def test_the_list_shows_the_desks_late_loans_longest_overdue_first_a_page_at_a_time(
        world):
    older = await late_loan(world, 20)
    newer = await late_loan(world, 2, first_name="Karim", last_name="Benali", birth_year=1990)
    await late_loan(world, -3, first_name="Awa", last_name="Sy", birth_year=1992)  # not yet due
    bac = await late_loan(world, 9, by=world.coordinator, first_name="Luc", last_name="Morel",
                          birth_year=1970, site_code="BAC")

    listing = await world.desk_aub.get("/reminders")
    assert listing.status_code == 200
    rows = [part.split('"')[0] for part in listing.text.split('data-reference="')[1:]]
    assert rows == [older, newer], "late loans of the desk's people only, oldest due first"
    assert "Élodie N&#39;Diaye" in listing.text and bac not in listing.text
    assert FR("{days} day(s) late").format(days=20) in listing.text
    assert FR("laptop") in listing.text, "the items still out"
    assert FR("Send a reminder") in listing.text
    assert "06 12" not in listing.text and "+336" not in listing.text, "no phone number shown"
    assert 'class="table-scroll"' in listing.text and 'name="_csrf"' in listing.text

    first, second = [await world.desk_aub.get(
        "/api/v1/reminders/overdue", params={"page": p, "per_page": 1}) for p in (1, 2)]
    assert [r["reference"] for r in first.json()["items"]] == [older]
    assert [r["reference"] for r in second.json()["items"]] == [newer]
    assert first.json()["total"] == 2 and first.json()["items"][0]["days_late"] == 20
    assert first.json()["items"][0]["has_mobile"] is True
    assert "phone" not in first.json()["items"][0]

    everyone = await world.coordinator.get("/api/v1/reminders/overdue")
    assert everyone.json()["total"] == 3
    at_bac = await world.coordinator.get("/reminders", params={"site": "bac"})
    assert bac in at_bac.text and older not in at_bac.text
    bac_desk = await world.desk_bac.get("/reminders")
    assert bac in bac_desk.text and older not in bac_desk.text


async def test_a_reminder_now_goes_by_sms_with_the_overdue_text_and_the_row_says_so(
        world, sender):
    reference = await late_loan(world, 5)
    answer = await remind(world.desk_aub, reference, **HTMX)
    assert answer.status_code == 200, answer.text
    assert answer.text.lstrip().startswith(("{#", "<tr")) and "<html" not in answer.text
    (row,) = await Reminder.select()
    at = local_moment(row["sent_at"]).strftime("%H:%M")
    assert FR(page.SENT["sms"]).format(time=at) in outcome_of(answer.text)
    assert (row["kind"], row["channel"], row["status"]) == ("manual", "sms", "sent")
    assert row["dedupe_key"] == f"loan:{reference}:manual:{today()}"
    (sms,) = sender.sent
    assert (sms.channel, sms.to, sms.kind) == ("sms", "+33612345678", "manual")
    due = (today() - timedelta(days=5)).strftime("%d/%m/%Y")
    assert sms.body == row["body"] and sms.body.startswith("Bonjour Élodie")
    assert due in sms.body and len(sms.body) < 160 and "N'Diaye" not in sms.body
    assert FR("from the desk") in answer.text, "the last reminder column shows it"


async def test_a_second_click_the_same_day_is_refused_with_the_time_and_sends_nothing(
        world, sender):
    reference = await late_loan(world, 5)
    assert (await remind(world.desk_aub, reference, **HTMX)).status_code == 200
    sent_at = (await Reminder.select(Reminder.sent_at).first())["sent_at"]
    message = AlreadyReminded(time=local_moment(sent_at).strftime("%H:%M")).render(FR)
    again = await remind(world.desk_aub, reference, **HTMX)
    assert again.status_code == 200 and message in outcome_of(again.text)
    full_page = await remind(world.desk_aub, reference)
    assert full_page.status_code == 409 and message in outcome_of(full_page.text)
    api = await remind_api(world.coordinator, reference)
    assert api.status_code == 409 and api.json()["detail"] == message
    assert len(sender.sent) == 1 and await Reminder.count() == 1


async def test_a_failing_sender_is_recorded_and_the_page_says_why_then_a_retry_sends(
        world, sender):
    reference = await late_loan(world, 5)
    sender.failing = True
    answer = await remind(world.desk_aub, reference)
    assert answer.status_code == 200
    (row,) = await Reminder.select()
    assert (row["status"], row["last_error"], row["attempts"]) == ("failed", "gateway down", 1)
    reason = FR(page.FAILED).format(reason=FR(
        "the sending service did not take it ({detail}). Try again later, or call the person."
    ).format(detail="gateway down"))
    assert reason in outcome_of(answer.text)
    sender.failing = False
    api = await remind_api(world.desk_aub, reference)
    assert api.status_code == 201 and api.json()["status"] == "sent"
    assert api.json()["error"] == "" and api.json()["kind"] == "manual"
    assert len(sender.sent) == 1 and await Reminder.count() == 1


async def test_a_channel_the_server_cannot_send_is_a_failure_said_plainly(world, app):
    email_only = FakeSender()
    email_only.channels = frozenset({"email"})
    app.state.reminder_sender = email_only
    reference = await late_loan(world, 5)
    answer = await remind_api(world.desk_aub, reference)
    assert answer.status_code == 201
    assert answer.json()["status"] == "failed" and email_only.sent == []
    assert answer.json()["message"] == FR(FAILURES["no sender for the sms channel"])


async def test_an_email_only_person_gets_an_email(world, sender):
    reference = await late_loan(world, 3, phone=None, email="elodie@example.org")
    answer = await remind_api(world.desk_aub, reference)
    assert answer.json()["channel"] == "email" and answer.json()["status"] == "sent"
    assert [(r.channel, r.to) for r in sender.sent] == [("email", "elodie@example.org")]
    assert "\n\n" in sender.sent[0].body


async def test_without_phone_or_email_the_desk_is_told_to_print_the_letter(world, sender):
    reference = await late_loan(world, 4, phone=None, email=None)
    answer = await remind(world.desk_aub, reference, **HTMX)
    assert FR(page.TO_PRINT) in outcome_of(answer.text) and sender.sent == []
    (row,) = await Reminder.select()
    assert (row["channel"], row["status"]) == ("letter", "pending")
    assert f'href="/reminders/letters/{row["id"]}"' in answer.text
    (listed,) = await letter_list("AUB")
    assert listed["reference"] == reference and listed["kind"] == "manual"

    letter = await world.desk_aub.get(f"/reminders/letters/{row['id']}")
    assert letter.status_code == 200 and "Bonjour Élodie," in letter.text
    assert "Élodie N&#39;Diaye" in letter.text
    assert (await world.desk_bac.get(f"/reminders/letters/{row['id']}")).status_code == 404
    printed = await send(world.desk_aub, f"/reminders/letters/{row['id']}/printed", {})
    assert printed.status_code == 303 and await letter_list("AUB") == []
    again = await remind_api(world.desk_aub, reference)
    assert again.status_code == 409, "printed counts as sent: one a day"


async def test_a_loan_not_late_or_returned_cannot_be_reminded(world, sender):
    not_yet = await late_loan(world, 0)  # due today: late only from tomorrow
    answer = await remind_api(world.desk_aub, not_yet)
    assert answer.status_code == 409
    due = today().strftime("%d/%m/%Y")
    assert answer.json()["detail"] == FR(NotRemindable.NOT_LATE).format(date=due)
    page_answer = await remind(world.desk_aub, not_yet)
    assert page_answer.status_code == 409
    returned = await late_loan(world, 3, first_name="Karim", last_name="Benali",
                               birth_year=1990)
    loan = (await world.desk_aub.get(f"/api/v1/loans/{returned}")).json()
    back = await world.desk_aub.post("/api/v1/returns", {"tag": loan["lines"][0]["tag"]})
    assert back.status_code == 200
    closed = await remind_api(world.desk_aub, returned)
    assert closed.status_code == 409 and closed.json()["detail"] == FR(NotRemindable.CLOSED)
    assert sender.sent == [] and await Reminder.count() == 0


async def test_another_sites_loan_is_not_found_for_the_front_desk(world, sender):
    reference = await late_loan(world, 5)
    assert (await remind_api(world.desk_bac, reference)).status_code == 404
    assert (await remind(world.desk_bac, reference)).status_code == 404
    assert (await remind_api(world.desk_bac, "P-99999-9")).status_code == 404
    assert sender.sent == [] and await Reminder.count() == 0


@pytest.mark.parametrize("who", ["sw_a", "technician"])
async def test_social_workers_and_technicians_may_not_send_reminders(world, sender, who):
    reference = await late_loan(world, 5)
    caller = getattr(world, who)
    assert (await caller.get("/reminders")).status_code == 403
    assert (await caller.get("/api/v1/reminders/overdue")).status_code == 403
    assert (await remind(caller, reference)).status_code == 403
    assert (await remind_api(caller, reference)).status_code == 403
    assert FR("Reminders") not in (await caller.get("/desk", follow_redirects=True)).text
    assert sender.sent == []


async def test_a_form_post_without_the_csrf_token_is_refused(world, sender):
    reference = await late_loan(world, 5)
    answer = await world.desk_aub.http.post(f"/reminders/loans/{reference}", data={},
                                            headers={"accept": "text/html"})
    assert answer.status_code == 403 and sender.sent == [] and await Reminder.count() == 0


async def test_who_sent_a_reminder_and_who_read_the_list_are_in_the_access_log(
        world, sender):
    reference = await late_loan(world, 5)
    person = (await Loan.select(Loan.beneficiary).where(Loan.reference == reference).first()
              )["beneficiary"]
    await remind(world.desk_aub, reference, **HTMX)
    sent = await AccessLog.select(AccessLog.actor.username.as_alias("who"),
                                  AccessLog.beneficiary).where(
        AccessLog.action == "reminder.send")
    assert sent == [{"who": "desk_aub", "beneficiary": person}]
    await world.coordinator.get("/reminders")
    read = await AccessLog.select(AccessLog.actor.username.as_alias("who")).where(
        AccessLog.action == "reminder.list")
    assert read == [{"who": "coordinator"}], "desk reads are not logged, managers' are"


async def test_the_nav_shows_reminders_to_the_desk(world):
    desk = await world.desk_aub.get("/desk")
    assert 'href="/reminders"' in desk.text and FR("Reminders") in desk.text


async def test_the_service_reads_one_page_in_sql(world):
    references = [await late_loan(world, 10 - n, first_name=f"P{n}", birth_year=1980 + n)
                  for n in range(3)]
    from inventory.services.common import SYSTEM
    rows, total = await overdue_loans(SYSTEM, page=2, per_page=2)
    assert total == 3 and [r["reference"] for r in rows] == references[2:]
