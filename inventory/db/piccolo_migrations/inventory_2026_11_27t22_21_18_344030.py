"""Indexes the reports' aggregates read through, written as raw SQL that both SQLite and
PostgreSQL accept. Measured with ``python -m bench reports``: the dashboard's counts of a
period read that period's rows, not every loan since the start."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-11-27T22:21:18:344030"
VERSION = "1.38.0"
DESCRIPTION = "Indexes for the reports"

INDEXES = (
    # Each person's first loan and whether one was open in the period, from the index alone.
    "CREATE INDEX IF NOT EXISTS loan_person_dates ON loan (beneficiary, started_on, closed_at)",
    "CREATE INDEX IF NOT EXISTS attendance_person_presence "
    "ON attendance (beneficiary, present, workshop)",
    # Loans started in a period, loans still open on a day, a site's loans.
    "CREATE INDEX IF NOT EXISTS loan_started_on ON loan (started_on, site)",
    "CREATE INDEX IF NOT EXISTS loan_closed_started ON loan (closed_at, started_on, site)",
    "CREATE INDEX IF NOT EXISTS loan_site ON loan (site)",
    # Lines returned, lost or stolen in a period, losses not settled; lines open on a day
    # and their due dates; the cards of the loans of a period.
    "CREATE INDEX IF NOT EXISTS loan_line_outcomes "
    "ON loan_line (outcome, closed_at, family, loss_resolved_at, loan)",
    "CREATE INDEX IF NOT EXISTS loan_line_open_dues ON loan_line (closed_at, family, due_on, loan)",
    "CREATE INDEX IF NOT EXISTS loan_line_loan_family ON loan_line (loan, family, item)",
)


class Loan(Table, tablename="loan", schema=None):
    pass


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="inventory", description=DESCRIPTION)

    async def indexes():
        for statement in INDEXES:
            await Loan.raw(statement)

    manager.add_raw(indexes)
    return manager
