"""Constraints the database itself enforces on learning paths, written as raw SQL that both
SQLite and PostgreSQL accept (a migration of its own: Piccolo runs a migration's raw SQL
before creating its tables)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-11-27T19:46:51:000000"
VERSION = "1.38.0"
DESCRIPTION = "One attendance per session and person; one active enrollment per person and path"


class Attendance(Table, tablename="attendance", schema=None):
    pass


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="inventory", description=DESCRIPTION)

    async def constraints():
        # A person is present or absent at a session, never both.
        await Attendance.raw(
            "CREATE UNIQUE INDEX IF NOT EXISTS attendance_one_per_workshop_person "
            "ON attendance (workshop, beneficiary)"
        )
        # Enrolled once at a time in a path; again later, after an exit, is fine.
        await Attendance.raw(
            "CREATE UNIQUE INDEX IF NOT EXISTS enrollment_one_active_per_person_path "
            "ON enrollment (beneficiary, path) WHERE status = 'active'"
        )
        await Attendance.raw(
            "CREATE UNIQUE INDEX IF NOT EXISTS path_module_one_per_position "
            "ON path_module (path, position)"
        )

    manager.add_raw(constraints)
    return manager
