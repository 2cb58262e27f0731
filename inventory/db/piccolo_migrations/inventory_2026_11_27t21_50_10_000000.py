"""Constraints the database itself enforces on stocktakes, written as raw SQL that both SQLite
and PostgreSQL accept (a migration of its own: Piccolo runs a migration's raw SQL before
creating its tables)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-11-27T21:50:10:000000"
VERSION = "1.38.0"
DESCRIPTION = "One open count per site; one scan and one expectation per count and item"


class Stocktake(Table, tablename="stocktake", schema=None):
    pass


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="inventory", description=DESCRIPTION)

    async def constraints():
        # Two people starting a count at one site at once: one count, not two.
        await Stocktake.raw(
            "CREATE UNIQUE INDEX IF NOT EXISTS stocktake_one_open_per_site "
            "ON stocktake (site) WHERE status = 'open'"
        )
        # An item scanned twice (or by two volunteers at once) is counted once.
        await Stocktake.raw(
            "CREATE UNIQUE INDEX IF NOT EXISTS stocktake_scan_one_per_item "
            "ON stocktake_scan (stocktake, item)"
        )
        await Stocktake.raw(
            "CREATE UNIQUE INDEX IF NOT EXISTS stocktake_expected_one_per_item "
            "ON stocktake_expected (stocktake, item)"
        )

    manager.add_raw(constraints)
    return manager
