"""Constraints the database itself enforces on loans, written as raw SQL that both SQLite and
PostgreSQL accept (Piccolo runs a migration's raw SQL before creating its tables, hence a
migration of its own)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-11-27T19:06:24:000000"
VERSION = "1.38.0"
DESCRIPTION = "One open loan line per item; one retry key per user"


class Loan(Table, tablename="loan", schema=None):
    pass


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="inventory", description=DESCRIPTION)

    async def constraints():
        # Never two open loans of one item, whatever the application does.
        await Loan.raw(
            "CREATE UNIQUE INDEX IF NOT EXISTS loan_line_one_open_per_item "
            "ON loan_line (item) WHERE closed_at IS NULL"
        )
        await Loan.raw(
            "CREATE UNIQUE INDEX IF NOT EXISTS idempotency_key_user_key "
            'ON idempotency_key ("user", key)'
        )

    manager.add_raw(constraints)
    return manager
