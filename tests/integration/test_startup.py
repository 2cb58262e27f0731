"""What the service does when it starts: the PDF renderer is prepared in the background when
``warm_documents`` is on (``inventory serve``'s default), and only then."""

from __future__ import annotations

import subprocess
import sys
import threading

import pytest
from litestar.testing import AsyncTestClient

from inventory.app import create_app
from inventory.config import Settings
from inventory.documents import render


@pytest.fixture
def warm_ups(monkeypatch) -> list[threading.Event]:
    """Each warm-up started, recorded instead of run (the real one takes ~1 s of CPU)."""
    started: list[threading.Event] = []

    def fake() -> None:
        done = threading.Event()
        started.append(done)
        done.set()

    monkeypatch.setattr(render, "warm_up", fake)
    return started


@pytest.mark.parametrize("warm", [True, False])
async def test_the_renderer_is_prepared_at_start_only_when_asked(tmp_path, warm_ups, warm):
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'start.sqlite3'}",
                        warm_documents=warm)
    async with AsyncTestClient(app=create_app(settings)) as client:
        assert (await client.get("/health")).status_code == 200
        for thread in threading.enumerate():
            if thread.name == "warm-documents":
                thread.join(timeout=10)
    assert len(warm_ups) == (1 if warm else 0)


def test_serve_prepares_documents_unless_the_environment_says_not_to():
    assert Settings.from_env({}).warm_documents
    assert not Settings.from_env({"INVENTORY_WARM_DOCUMENTS": "0"}).warm_documents
    assert not Settings().warm_documents  # apps built in code (tests, embedding) stay lazy


def test_a_failed_warm_up_is_logged_and_the_service_goes_on(monkeypatch, caplog):
    def broken() -> None:
        raise OSError("no fonts")

    monkeypatch.setattr(render, "warm_up", broken)
    render.warm_up_in_background().join(timeout=10)
    assert "documents could not be prepared in advance" in caplog.text


def test_the_real_warm_up_loads_weasyprint_and_the_templates_in_a_fresh_process():
    script = """
import sys
from inventory.documents import engine, render
before = "weasyprint" in sys.modules
render.warm_up_in_background().join(timeout=120)
print(before, "weasyprint" in sys.modules, engine.environment.cache_info().currsize)
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=180, check=True)
    assert done.stdout.split() == ["False", "True", "1"], done.stderr
