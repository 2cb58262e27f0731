"""Backup file names, kinds and the PostgreSQL password kept off the command line."""

from __future__ import annotations

from datetime import datetime

import pytest

from inventory.backup import BackupError, _libpq, backup_kind, default_output
from inventory.config import Settings


def test_the_default_backup_name_carries_the_date_and_the_engine():
    moment = datetime(2026, 3, 4, 5, 6, 7)
    sqlite = default_output(Settings(database_url="sqlite:////tmp/x.sqlite3"), moment)
    pg = default_output(Settings(database_url="postgresql://u@h/db"), moment)
    assert sqlite.name == "inventory-20260304-050607.sqlite3"
    assert pg.name == "inventory-20260304-050607.pgdump"
    assert sqlite.parent.parts[-2:] == ("var", "backups")


def test_the_postgres_password_goes_to_the_environment_not_the_command_line():
    url, env = _libpq("postgresql://inv:s3cr%C3%A9t@db.local:5433/inventory?sslmode=require")
    assert url == "postgresql://inv@db.local:5433/inventory?sslmode=require"
    assert env["PGPASSWORD"] == "s3crét"
    assert _libpq("postgresql://postgres@[::1]/db")[0] == "postgresql://postgres@[::1]/db"


def test_a_backup_file_is_recognised_by_its_first_bytes(tmp_path):
    (tmp_path / "a").write_bytes(b"SQLite format 3\x00rest")
    (tmp_path / "b").write_bytes(b"PGDMP\x01\x0e")
    (tmp_path / "c").write_text("tag,model\n")
    assert backup_kind(tmp_path / "a") == "sqlite"
    assert backup_kind(tmp_path / "b") == "postgres"
    with pytest.raises(BackupError, match="n'est pas une sauvegarde"):
        backup_kind(tmp_path / "c")
    with pytest.raises(BackupError, match="illisible"):
        backup_kind(tmp_path / "absent")
