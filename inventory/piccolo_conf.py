"""Piccolo configuration: the engine comes from DATABASE_URL (SQLite by default)."""

import os

from piccolo.conf.apps import AppRegistry

from inventory.config import DEFAULT_DATABASE_URL
from inventory.db.engine import engine_from_url

DB = engine_from_url(os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL))

APP_REGISTRY = AppRegistry(apps=["inventory.db.piccolo_app"])
