"""Due-soon and overdue reminders through the outbox, on both databases: queued once, sent
once, retried after a failure, printed as letters for people without phone or e-mail."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from contextlib import AsyncExitStack, contextmanager
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from inventory.db.tables import Loan, Reminder
from inventory.domain.reminders import MAX_ATTEMPTS
from inventory.services.common import today
from inventory.services.reminders import (
    fill_outbox, letter_list, mark_letters_printed, send_pending,
)
from inventory.services.senders import (
    FileSender, HttpSmsSender, Outgoing, SendFailed, SmtpSender,
)
from tests.conftest import ROOT
from tests.integration.people_world import build_world
from tests.integration.test_loans_api import available, eligible, lend

ASSOCIATION = "Espace de solidarité numérique"


@pytest.fixture
async def world(app):
    async with AsyncExitStack() as stack:
        yield await build_world(app, stack)


class FakeSender:
    """Records what it sends; fails while ``failing`` is set."""

    channels = frozenset({"sms", "email"})

    def __init__(self, failing: bool = False) -> None:
        self.failing, self.sent = failing, []

    async def send(self, reminder) -> None:
        if self.failing:
            raise ConnectionError("gateway down")
        self.sent.append(reminder)


async def lent_laptop(world, due_in_days: int, **person) -> str:
    """A laptop lent to a person, its due date moved to ``due_in_days`` from today."""
    number = await eligible(world, **person)
    response = await lend(world.desk_aub, number, await available())
    assert response.status_code == 201, response.text
    reference = response.json()["reference"]
    await Loan.update({Loan.due_on: today() + timedelta(days=due_in_days)}).where(
        Loan.reference == reference)
    return reference


async def fill():
    return await fill_outbox(today(), association=ASSOCIATION)


async def test_filling_twice_the_same_day_queues_a_reminder_once(world):
    reference = await lent_laptop(world, 7)
    assert (await fill()).added == 1
    assert (await fill()).added == 0
    (row,) = await Reminder.select()
    assert row["kind"] == "due_soon" and row["channel"] == "sms" and row["status"] == "pending"
    assert row["dedupe_key"] == f"loan:{reference}:due_soon:{(today() + timedelta(days=7))}"
    assert row["body"].startswith("Bonjour Élodie,") and "N'Diaye" not in row["body"]
    assert (today() + timedelta(days=7)).strftime("%d/%m/%Y") in row["body"]


async def test_an_overdue_loan_replaces_its_unsent_due_soon_reminder(world):
    reference = await lent_laptop(world, 7)
    await fill()
    await Loan.update({Loan.due_on: today() - timedelta(days=1)}).where(
        Loan.reference == reference)
    filled = await fill()
    assert (filled.added, filled.cancelled) == (1, 1)
    rows = {r["kind"]: r for r in await Reminder.select()}
    assert rows["due_soon"]["status"] == "cancelled"
    assert rows["overdue"]["dedupe_key"] == f"loan:{reference}:overdue:{today()}"


async def test_returned_loans_and_loans_far_from_due_get_no_reminder(world):
    await lent_laptop(world, 30)
    tag = await available()
    number = await eligible(world, first_name="Karim", last_name="Benali", birth_year=1990)
    reference = (await lend(world.desk_aub, number, tag)).json()["reference"]
    await Loan.update({Loan.due_on: today() - timedelta(days=3)}).where(
        Loan.reference == reference)
    back = await world.desk_aub.post("/api/v1/returns", {"tag": tag})
    assert back.status_code == 200 and back.json()["status"] == "closed"
    assert (await fill()).added == 0


async def test_a_failed_send_is_counted_and_retried_and_a_sent_one_never_goes_again(world):
    await lent_laptop(world, 3)
    await fill()
    down = FakeSender(failing=True)
    assert (await send_pending(down)).failed == 1
    (row,) = await Reminder.select()
    assert (row["status"], row["attempts"], row["last_error"]) == ("failed", 1, "gateway down")
    assert row["sent_at"] is None
    up = FakeSender()
    assert (await send_pending(up)).sent == 1
    (row,) = await Reminder.select()
    assert row["status"] == "sent" and row["sent_at"] is not None and row["attempts"] == 2
    assert [r.to for r in up.sent] == ["+33612345678"]
    assert (await send_pending(up)).sent == 0 and len(up.sent) == 1
    assert (await fill()).added == 0, "a sent reminder is not queued again"


async def test_a_reminder_is_given_up_after_five_failed_attempts(world):
    await lent_laptop(world, 3)
    await fill()
    down = FakeSender(failing=True)
    for _ in range(MAX_ATTEMPTS + 2):
        await send_pending(down)
    (row,) = await Reminder.select()
    assert (row["status"], row["attempts"]) == ("failed", MAX_ATTEMPTS)


async def test_a_loan_returned_after_filling_gets_no_reminder(world):
    await lent_laptop(world, 2)
    await fill()
    row = await Reminder.select(Reminder.loan.reference.as_alias("reference")).first()
    loan = (await world.coordinator.get(f"/api/v1/loans/{row['reference']}")).json()
    back = await world.desk_aub.post("/api/v1/returns", {"tag": loan["lines"][0]["tag"]})
    assert back.status_code == 200
    sender = FakeSender()
    assert (await send_pending(sender)).cancelled == 1
    assert sender.sent == [] and (await Reminder.select())[0]["status"] == "cancelled"


async def test_a_person_without_phone_or_email_lands_on_the_letter_list(world):
    reference = await lent_laptop(world, -1, phone=None, email=None)
    await fill()
    sender = FakeSender()
    assert (await send_pending(sender)).sent == 0, "letters are printed, not sent"
    (letter,) = await letter_list("aub")
    assert letter["name"] == "Élodie N'Diaye" and letter["reference"] == reference
    assert letter["items"] == "ordinateur portable" and letter["kind"] == "overdue"
    assert letter["due_on"] == today() - timedelta(days=1) and letter["site"] == "AUB"
    assert await letter_list("BAC") == []
    assert await mark_letters_printed([letter["id"]]) == 1
    assert await mark_letters_printed([letter["id"]]) == 0
    assert await letter_list("AUB") == []
    (row,) = await Reminder.select()
    assert row["status"] == "sent" and row["channel"] == "letter"


async def test_a_person_with_only_an_email_gets_an_email(world):
    await lent_laptop(world, 7, phone=None, email="elodie@example.org")
    await fill()
    sender = FakeSender()
    await send_pending(sender)
    assert [(r.channel, r.to) for r in sender.sent] == [("email", "elodie@example.org")]
    assert "\n\n" in sender.sent[0].body and "L’équipe" in sender.sent[0].body


async def test_the_file_sender_writes_one_json_line_per_reminder(world, tmp_path):
    await lent_laptop(world, 7)
    await lent_laptop(world, -8, first_name="Karim", last_name="Benali", birth_year=1990,
                      phone="07 56 12 34 56")
    await fill()
    path = tmp_path / "out" / "reminders.jsonl"
    assert (await send_pending(FileSender(path))).sent == 2
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert sorted((x["kind"], x["to"]) for x in lines) == [
        ("due_soon", "+33612345678"), ("overdue", "+33756123456")]
    assert all(len(x["body"]) < 160 for x in lines)


class Gateway(BaseHTTPRequestHandler):
    """A tiny SMS gateway: records each request, answers with the status it is told."""

    received: list[dict] = []
    status = 200

    def do_POST(self):  # noqa: N802 (http.server's name)
        length = int(self.headers["Content-Length"])
        self.received.append({"body": json.loads(self.rfile.read(length)),
                              "auth": self.headers.get("Authorization"),
                              "type": self.headers.get("Content-Type")})
        self.send_response(self.status)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


@contextmanager
def gateway():
    Gateway.received, Gateway.status = [], 200
    server = HTTPServer(("127.0.0.1", 0), Gateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/sms"
    finally:
        server.shutdown()
        server.server_close()


async def test_the_http_sms_sender_posts_the_number_and_text_to_the_gateway(world):
    await lent_laptop(world, 7)
    await fill()
    with gateway() as url:
        Gateway.status = 503
        assert (await send_pending(HttpSmsSender(url, "t0ken"))).failed == 1
        assert "503" in (await Reminder.select())[0]["last_error"]
        Gateway.status = 200
        assert (await send_pending(HttpSmsSender(url, "t0ken"))).sent == 1
    (row,) = await Reminder.select()
    assert len(Gateway.received) == 2
    assert Gateway.received[-1] == {"body": {"to": "+33612345678", "text": row["body"]},
                                    "auth": "Bearer t0ken", "type": "application/json"}


async def test_the_http_sms_sender_leaves_emails_alone(world):
    await lent_laptop(world, 7, phone=None, email="elodie@example.org")
    await fill()
    with gateway() as url:
        report = await send_pending(HttpSmsSender(url))
    assert (report.sent, report.failed, Gateway.received) == (0, 0, [])


def run_cli(db, tmp_path, *args) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": db.url, "INVENTORY_REMINDER_SENDER": "file",
           "INVENTORY_REMINDER_FILE": str(tmp_path / "sent.jsonl")}
    return subprocess.run([sys.executable, "-m", "inventory", *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


async def test_the_commands_send_reminders_and_print_the_letter_list(world, db, tmp_path):
    await lent_laptop(world, 7)
    await lent_laptop(world, -1, first_name="Karim", last_name="Benali", birth_year=1990,
                      phone=None)
    done = run_cli(db, tmp_path, "remind")
    assert done.returncode == 0, done.stderr
    assert "2 rappel(s) ajouté(s)" in done.stdout and "1 envoyé(s)" in done.stdout
    assert len((tmp_path / "sent.jsonl").read_text().splitlines()) == 1
    letters = run_cli(db, tmp_path, "reminder-letters", "--site", "AUB", "--mark-printed")
    assert letters.returncode == 0, letters.stderr
    header, row = letters.stdout.splitlines()
    assert header.startswith("nom,numero,site,echeance,materiel")
    assert row.startswith("Karim Benali,") and ",AUB," in row
    assert (today() - timedelta(days=1)).strftime("%d/%m/%Y") in row
    again = run_cli(db, tmp_path, "reminder-letters", "--site", "AUB")
    assert again.stdout.splitlines() == [header]


async def test_the_smtp_sender_writes_a_french_email_and_reports_an_unreachable_server():
    sender = SmtpSender("127.0.0.1", 1, "", "", "ESN <rappels@esn.example>", starttls=False)
    reminder = Outgoing(id=1, key="loan:P-00001-9:overdue:2026-12-08", kind="overdue",
                        channel="email", to="elodie@example.org", body="Bonjour Élodie,")
    message = sender._message(reminder)
    assert message["To"] == "elodie@example.org"
    assert message["Subject"] == "Rappel : matériel pas encore rapporté"
    assert message["Message-ID"] == "<loan.P-00001-9.overdue.2026-12-08@esn.example>"
    assert message.get_content().strip() == "Bonjour Élodie,"
    with pytest.raises(SendFailed, match="SMTP"):
        await sender.send(reminder)
