"""The database itself keeps one open waiting-list entry per person, kind and site (the
service checks first and says why; this index is the backstop against any other writer)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-11-27T23:15:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "One open waiting-list entry per person, kind and site"


class WaitingEntry(Table, tablename="waiting_entry", schema=None):
    pass


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="inventory", description=DESCRIPTION)

    async def constraint():
        await WaitingEntry.raw(
            "CREATE UNIQUE INDEX IF NOT EXISTS waiting_entry_one_open "
            "ON waiting_entry (beneficiary, kind, site) WHERE status IN ('waiting', 'proposed')"
        )

    manager.add_raw(constraint)
    return manager
