"""The PDF renderer (WeasyPrint: ~1 s of CPU and ~40 MB to load) is prepared in the background
the first time a page that leads to a document opens, once per process; a process that never
prints never loads it."""

from __future__ import annotations

import subprocess
import sys

from inventory.documents import render


def run_fresh(script: str) -> list[str]:
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=180, check=True)
    return done.stdout.split()


def test_the_app_starts_and_serves_without_loading_weasyprint(tmp_path):
    script = f"""
import sys
from litestar.testing import TestClient
from inventory.app import create_app
from inventory.config import Settings
app = create_app(Settings(database_url="sqlite:///{tmp_path / 'start.sqlite3'}"))
with TestClient(app=app) as client:
    print(client.get("/health").status_code, "weasyprint" in sys.modules)
"""
    assert run_fresh(script) == ["200", "False"]


def test_preparing_starts_one_thread_per_process_and_loads_the_renderer():
    script = """
import sys
from inventory.documents import engine, render
before = "weasyprint" in sys.modules
first = render.prepare_in_background()
again = render.prepare_in_background()
first.join(timeout=120)
print(before, again is None, "weasyprint" in sys.modules, engine.environment.cache_info().currsize)
"""
    assert run_fresh(script) == ["False", "True", "True", "1"]


def test_a_failed_preparation_is_logged_and_the_service_goes_on(monkeypatch, caplog):
    def broken() -> None:
        raise OSError("no fonts")

    monkeypatch.setattr(render, "warm_up", broken)
    render._warm_up_quietly()
    assert "documents could not be prepared in advance" in caplog.text


def test_rendering_a_document_writes_no_progress_lines_in_the_service_log():
    script = """
import logging, io
from litestar.logging.config import LoggingConfig
LoggingConfig().configure()  # the app's logging: the root logger shows INFO
stream = io.StringIO()
logging.getLogger().addHandler(logging.StreamHandler(stream))
from inventory.documents.render import render_agreement
from inventory.documents.samples import sample_agreement
render_agreement(sample_agreement())
print("lines:", len([l for l in stream.getvalue().splitlines() if "Step" in l]))
"""
    assert run_fresh(script) == ["lines:", "0"]
