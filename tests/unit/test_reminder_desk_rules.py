"""The desk's reminder rules: which loans it may remind, days late, one key a day, and why a
reminder did not leave, in plain French."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inventory.domain.reminders import (
    Channel, Letter, NotRemindable, ReminderKind, body, check_remindable, days_late,
    explain_failure, manual_key, subject,
)
from inventory.i18n import gettext_for

DUE = date(2026, 12, 7)
fr = gettext_for("fr")


def test_days_late_count_from_the_day_after_the_due_date():
    assert days_late(DUE, DUE) == 0
    assert days_late(DUE, DUE + timedelta(days=1)) == 1
    assert days_late(DUE, DUE - timedelta(days=3)) == 0
    assert days_late(None, DUE) == 0


@given(offset=st.integers(-400, 400))
def test_a_loan_is_remindable_exactly_when_it_is_late(offset):
    day = DUE + timedelta(days=offset)
    if offset > 0:
        check_remindable("open", DUE, 1, day)
    else:
        with pytest.raises(NotRemindable):
            check_remindable("open", DUE, 1, day)


@pytest.mark.parametrize(("status", "due_on", "devices", "message"), [
    ("closed", DUE, 1, NotRemindable.CLOSED),
    ("open", None, 1, NotRemindable.NOT_LATE),
    ("open", DUE + timedelta(days=1), 1, NotRemindable.NOT_LATE),
    ("open", DUE - timedelta(days=1), 0, NotRemindable.NOTHING_OUT),
])
def test_closed_not_late_or_empty_loans_are_refused_with_the_reason(status, due_on, devices,
                                                                    message):
    with pytest.raises(NotRemindable) as refused:
        check_remindable(status, due_on, devices, DUE)
    assert refused.value.message == message


def test_the_desks_key_is_one_per_loan_and_day():
    assert manual_key("P-00042-7", DUE) == "loan:P-00042-7:manual:2026-12-07"
    assert manual_key("P-00042-7", DUE) != manual_key("P-00042-7", DUE + timedelta(days=1))


@pytest.mark.parametrize("channel", list(Channel))
def test_the_desks_reminder_says_what_the_overdue_one_says(channel):
    letter = Letter(kind=ReminderKind.MANUAL, first_name="Élodie", association="ESN",
                    site="Les Aubiers", kinds=("laptop",), due_on=DUE)
    overdue = Letter(**{**{f: getattr(letter, f) for f in letter.__slots__},
                        "kind": ReminderKind.OVERDUE})
    assert body(letter, channel, fr) == body(overdue, channel, fr)
    assert subject("manual", fr) == subject("overdue", fr)


def test_known_failures_are_explained_and_others_keep_their_detail():
    assert explain_failure("no sms address any more", fr) != "no sms address any more"
    assert explain_failure("no sender for the email channel", fr) != explain_failure(
        "no sender for the sms channel", fr)
    other = explain_failure("SMS : HTTPError: HTTP Error 503", fr)
    assert "HTTP Error 503" in other
