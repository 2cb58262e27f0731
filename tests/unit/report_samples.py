"""A hand-built dashboard for the report tests: big and small counts, a hostile name."""

from __future__ import annotations

from datetime import date

from inventory.domain.reports import Breakdown, BreakdownRow, Dashboard, Figure, Period

HOSTILE = "<script>alert(1)</script>"


def sample_dashboard(**overrides) -> Dashboard:
    """A year of figures; Lormont (3 people) is the small count that exports must hide."""
    values = dict(
        period=Period(date(2026, 1, 1), date(2026, 12, 31)), site_code=None,
        people_accompanied=1234, people_first_time=807, autonomous_at_exit=412,
        autonomous_at_follow_up=298, goal_autonomous=1000, goal_reached=612,
        devices_by_state=(Figure("available", "available", 40),
                          Figure("on_loan", "on loan", 120),
                          Figure("in_repair", "in repair", 7)),
        devices_by_site=(
            ("Les Aubiers", (Figure("available", "available", 30),
                             Figure("on_loan", "on loan", 100))),
            ("Bacalan", (Figure("available", "available", 10), Figure("on_loan", "on loan", 20),
                         Figure("in_repair", "in repair", 7))),
        ),
        loans_open=120, loans_overdue=12, loans_lost=3, loans_started=316, loans_returned=171,
        return_rate=0.983, cards_issued=250, data_supplied_mb=5_250_000, repairs_opened=31,
        repairs_closed=26, repair_median_days=6.5, waiting_now=42, waiting_average_days=18.25,
        referrals_by_partner=(Figure("1", "CCAS de Bordeaux", 61), Figure("2", HOSTILE, 17),
                              Figure("3", "Mission locale", 12)),
        breakdowns=(
            Breakdown("commune", (BreakdownRow("bordeaux", "Bordeaux", 900, 1000, 300),
                                  BreakdownRow("lormont", "Lormont", 3, 3, 1),
                                  BreakdownRow("cenon", "Cenon", 40, 41, 22))),
            Breakdown("partner_org", (BreakdownRow("1", HOSTILE, 77, 80, 20),)),
        ),
        loans_lost_in_period=3, as_of=date(2026, 11, 27),
    )
    return Dashboard(**{**values, **overrides})
