"""Browser test fixtures: a real ``inventory serve`` process on a throw-away SQLite database
with the demo data, and Playwright driving Debian's Chromium (never a downloaded browser).

Without Chromium (or the Playwright package) the browser tests skip with the reason, unless
``INVENTORY_REQUIRE_BROWSER=1`` (set by .ci/run), where they fail instead.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REQUIRE_BROWSER = os.environ.get("INVENTORY_REQUIRE_BROWSER") == "1"
SCREENSHOTS = ROOT / "var" / "test-artifacts" / "screenshots"
CHROMIUM_NAMES = ("chromium", "chromium-browser")
ACCOUNT_LINE = re.compile(r"^\s+(\S+)\s+(\S+)\s+(admin|coordinator|front_desk|technician|"
                          r"social_worker)\s*$")


def chromium_path() -> str | None:
    """Debian's Chromium (or ``INVENTORY_CHROMIUM``); None when there is none."""
    if explicit := os.environ.get("INVENTORY_CHROMIUM"):
        return explicit if os.access(explicit, os.X_OK) else None
    for name in CHROMIUM_NAMES:
        if found := shutil.which(name):
            return found
    return None


def require_playwright():
    """Playwright's ``expect``, for a test module to call at import: without the package the
    module is skipped, or fails under INVENTORY_REQUIRE_BROWSER=1 (the test extra brings it)."""
    try:
        from playwright.sync_api import expect
    except ImportError:
        if REQUIRE_BROWSER:
            raise
        pytest.skip("the playwright package is not installed (pip install -e '.[test]')",
                    allow_module_level=True)
    return expect


def _unavailable(reason: str) -> None:
    if REQUIRE_BROWSER:
        pytest.fail(f"{reason} (INVENTORY_REQUIRE_BROWSER=1: not skipping)", pytrace=False)
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class LiveServer:
    """The running service: its address, the demo accounts and its database file."""

    base_url: str
    db_path: Path
    accounts: dict[str, str] = field(default_factory=dict)  # username -> password

    def query(self, sql: str, *params) -> list[sqlite3.Row]:
        """Read the service's database (read-only): to pick test subjects, never to check."""
        conn = sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True)
        conn.row_factory = sqlite3.Row
        try:
            return conn.execute(sql, params).fetchall()
        finally:
            conn.close()


def _cli(args: list[str], env: dict[str, str]) -> str:
    done = subprocess.run([sys.executable, "-m", "inventory", *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=180)
    if done.returncode != 0:
        raise RuntimeError(f"inventory {args[0]} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def parse_accounts(demo_output: str) -> dict[str, str]:
    """The username -> password pairs that ``inventory demo`` printed."""
    return {m[1]: m[2] for line in demo_output.splitlines() if (m := ACCOUNT_LINE.match(line))}


def _wait_healthy(proc: subprocess.Popen, url: str, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited:\n{log.read_text(errors='replace')[-3000:]}")
        with contextlib.suppress(OSError):
            with urllib.request.urlopen(f"{url}/health", timeout=2) as answer:
                if answer.status == 200:
                    return
        time.sleep(0.1)
    raise RuntimeError(f"server not healthy after 60 s:\n{log.read_text(errors='replace')}")


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGINT)
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(5)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory) -> Iterator[LiveServer]:
    """``inventory serve`` on a free port against a migrated SQLite file with the demo data."""
    if chromium_path() is None:  # no server either: nothing could drive it
        _unavailable("no Chromium found (apt-get install chromium)")
    folder = tmp_path_factory.mktemp("e2e")
    db_path, port = folder / "e2e.sqlite3", free_port()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db_path}", "INVENTORY_ENV": "development",
           "INVENTORY_PORT": str(port), "INVENTORY_BASE_URL": f"http://127.0.0.1:{port}",
           "INVENTORY_TAG_PREFIX": "ESN", "INVENTORY_LOCALE": "fr",
           "PICCOLO_CONF": "inventory.piccolo_conf", "PYTHONUNBUFFERED": "1"}
    _cli(["migrate"], env)
    accounts = parse_accounts(_cli(["demo"], env))
    assert {"admin", "accueil", "ccas"} <= accounts.keys(), f"demo accounts: {accounts}"
    log = folder / "serve.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "inventory", "serve", "--host", "127.0.0.1", "--port",
             str(port)], env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True)
    try:
        _wait_healthy(proc, f"http://127.0.0.1:{port}", log)
        yield LiveServer(f"http://127.0.0.1:{port}", db_path, accounts)
    finally:
        _stop(proc)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Headless Chromium from the system, shared by a module's tests (closed after them, so
    that its event loop is gone before the asynchronous tests run)."""
    executable = chromium_path()
    if executable is None:
        _unavailable("no Chromium found (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed (pip install -e '.[test]')")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def context(browser, live_server) -> Iterator[object]:
    """A fresh browser profile (no cookies) in French, at a 1366×768 desk screen."""
    ctx = browser.new_context(base_url=live_server.base_url, locale="fr-FR",
                              viewport={"width": 1366, "height": 768},
                              extra_http_headers={"Accept-Language": "fr-FR,fr;q=0.9"})
    ctx.set_default_timeout(10_000)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context) -> object:
    return context.new_page()


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
