"""Reminder rules: when a loan needs a reminder, by which channel, and what it says in French."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inventory.config import Settings, SettingsError
from inventory.domain.errors import InvalidInput
from inventory.domain.reminders import (
    SMS_MAX, Channel, Letter, ReminderKind, Schedule, body, choose_channel, reminders_due,
    sms_text, subject,
)
from inventory.i18n import gettext_for

DUE = date(2026, 12, 7)
REF = "P-00042-7"
fr = gettext_for("fr")


def kinds_on(day: date, schedule: Schedule = Schedule()) -> list[tuple[str, str]]:
    return [(d.kind.value, d.key) for d in reminders_due(REF, DUE, day, schedule)]


def test_due_soon_starts_exactly_n_days_before_the_due_date():
    assert kinds_on(DUE - timedelta(days=8)) == []
    assert kinds_on(DUE - timedelta(days=7)) == [("due_soon", f"loan:{REF}:due_soon:2026-12-07")]
    assert kinds_on(DUE - timedelta(days=3), Schedule(days_before=3)) == [
        ("due_soon", f"loan:{REF}:due_soon:2026-12-07")]
    assert kinds_on(DUE - timedelta(days=4), Schedule(days_before=3)) == []


def test_a_missed_run_still_catches_up_the_due_soon_reminder_with_the_same_key():
    keys = {key for day in range(7, -1, -1) for _, key in kinds_on(DUE - timedelta(days=day))}
    assert keys == {f"loan:{REF}:due_soon:2026-12-07"}


def test_overdue_starts_the_day_after_the_due_date():
    assert kinds_on(DUE + timedelta(days=1)) == [("overdue", f"loan:{REF}:overdue:2026-12-08")]


def test_overdue_repeats_every_m_days_each_with_its_own_key():
    by_day = {n: kinds_on(DUE + timedelta(days=n)) for n in range(1, 22)}
    keys = sorted({key for found in by_day.values() for _, key in found})
    assert keys == [f"loan:{REF}:overdue:2026-12-08", f"loan:{REF}:overdue:2026-12-15",
                    f"loan:{REF}:overdue:2026-12-22"]
    assert by_day[7] == [("overdue", f"loan:{REF}:overdue:2026-12-08")]
    assert by_day[8] == [("overdue", f"loan:{REF}:overdue:2026-12-15")]
    three = kinds_on(DUE + timedelta(days=4), Schedule(repeat_days=3))
    assert three == [("overdue", f"loan:{REF}:overdue:2026-12-11")]


def test_a_loan_without_a_due_date_needs_no_reminder():
    assert reminders_due(REF, None, DUE, Schedule()) == []


@given(offset=st.integers(-400, 400), before=st.integers(0, 60), repeat=st.integers(1, 90))
def test_a_loan_needs_at_most_one_reminder_a_day_and_never_before_the_window(offset, before,
                                                                             repeat):
    day = DUE + timedelta(days=offset)
    found = reminders_due(REF, DUE, day, Schedule(before, repeat))
    assert len(found) <= 1
    if -before <= offset <= 0:
        assert [d.kind for d in found] == [ReminderKind.DUE_SOON]
    elif offset > 0:
        assert [d.kind for d in found] == [ReminderKind.OVERDUE]
        assert DUE < found[0].on <= day and (found[0].on - DUE).days % repeat == 1 % repeat
    else:
        assert found == []


@pytest.mark.parametrize("before, repeat", [(-1, 7), (61, 7), (7, 0), (7, 91)])
def test_a_schedule_out_of_bounds_is_refused(before, repeat):
    with pytest.raises(InvalidInput):
        Schedule(before, repeat)


@pytest.mark.parametrize("phone, email, channel", [
    ("+33612345678", "a@example.org", Channel.SMS),
    ("+33712345678", None, Channel.SMS),
    ("+32470123456", None, Channel.SMS),
    ("+33556000000", "a@example.org", Channel.EMAIL),  # a landline cannot receive an SMS
    (None, "a@example.org", Channel.EMAIL),
    ("", "  ", Channel.LETTER),
    (None, None, Channel.LETTER),
    ("+33556000000", None, Channel.LETTER),
])
def test_sms_to_a_mobile_else_email_else_a_printed_letter(phone, email, channel):
    assert choose_channel(phone, email) is channel


def letter(kind=ReminderKind.DUE_SOON, **overrides) -> Letter:
    values = {"kind": kind, "first_name": "Élodie", "association": "Espace de solidarité "
              "numérique", "site": "Les Aubiers", "kinds": ("laptop",), "due_on": DUE}
    return Letter(**{**values, **overrides})


def test_the_due_soon_sms_is_french_kind_and_names_what_matters():
    text = sms_text(letter(), fr)
    assert text.startswith("Bonjour Élodie,")
    for part in ("Espace de solidarité numérique", "Les Aubiers", "ordinateur portable",
                 "07/12/2026", "Merci"):
        assert part in text, part
    assert len(text) < 160


def test_the_overdue_sms_names_the_due_date_and_asks_kindly():
    text = sms_text(letter(ReminderKind.OVERDUE, kinds=("laptop", "tablet", "laptop")), fr)
    assert "07/12/2026" in text and "ordinateur portable" in text
    assert "merci" in text.lower() and len(text) < 160


@pytest.mark.parametrize("kind", list(ReminderKind))
def test_an_sms_stays_under_160_characters_with_very_long_names(kind):
    long = letter(kind, first_name="Marie-Christine-Alexandrine-Éléonore " * 3,
                  association="Association intercommunale pour l'inclusion numérique " * 2,
                  site="Centre social et culturel du quartier des Aubiers-Lac " * 2,
                  kinds=("laptop", "desktop", "tablet", "smartphone", "hotspot"))
    text = sms_text(long, fr)
    assert len(text) < 160, (len(text), text)
    assert "07/12/2026" in text, "the date is never cut"


@given(name=st.text(min_size=0, max_size=200), site=st.text(min_size=1, max_size=200))
def test_no_first_name_or_site_makes_an_sms_longer_than_one(name, site):
    assert len(sms_text(letter(first_name=name, site=site), fr)) <= SMS_MAX


def test_the_email_and_the_letter_hold_only_the_first_name():
    text = body(letter(ReminderKind.OVERDUE), Channel.EMAIL, fr)
    assert text.startswith("Bonjour Élodie,")
    assert "07/12/2026" in text and "Les Aubiers" in text and "ordinateur portable" in text
    assert "L’équipe" in text or "L'équipe" in text
    assert body(letter(), Channel.LETTER, fr) == body(letter(), Channel.EMAIL, fr)
    assert subject("overdue", fr).startswith("Rappel")


def test_english_is_the_message_id_and_french_the_default():
    assert sms_text(letter(), gettext_for("en")).startswith("Hello Élodie,")


def test_reminder_settings_default_to_the_console_and_refuse_unusable_senders():
    settings = Settings.from_env({})
    assert settings.reminder_senders == ("console",)
    assert (settings.reminder_days_before, settings.reminder_repeat_days) == (7, 7)
    assert "hunter2" not in repr(Settings(smtp_password="hunter2", sms_token="hunter2"))
    both = Settings.from_env({"INVENTORY_REMINDER_SENDER": "smtp,http",
                              "INVENTORY_SMTP_HOST": "smtp.example.org",
                              "INVENTORY_SMTP_FROM": "rappels@example.org",
                              "INVENTORY_SMS_URL": "https://sms.example.org/send"})
    assert both.reminder_senders == ("smtp", "http")
    for env in ({"INVENTORY_REMINDER_SENDER": "pigeon"},
                {"INVENTORY_REMINDER_SENDER": "smtp"},
                {"INVENTORY_REMINDER_SENDER": "http"},
                {"INVENTORY_REMINDER_REPEAT_DAYS": "0"},
                {"INVENTORY_REMINDER_DAYS_BEFORE": "sept"}):
        with pytest.raises(SettingsError):
            Settings.from_env(env)


def test_the_association_name_has_a_default_and_can_be_set():
    assert Settings.from_env({}).association_name == "Espace de solidarité numérique"
    assert Settings.from_env({"INVENTORY_ASSOCIATION": "ESN Nord"}).association_name == "ESN Nord"
