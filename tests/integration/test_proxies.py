"""Behind a reverse proxy, the client's address comes from X-Forwarded-For only when the proxy
is trusted (INVENTORY_TRUSTED_PROXIES): it keys the login throttling, so trusting nobody would
make every user share the proxy's address, and trusting anybody would let an attacker pick one.

A real ``inventory serve`` process (uvicorn's proxy-header handling is what is checked)."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys

import httpx
import pytest

from inventory.config import Settings, SettingsError
from tests.conftest import ROOT
from tests.integration.test_instances import free_port, wait_ready

CLIENT = "203.0.113.7"  # the volunteer's address, as the proxy saw it


def failed_login_address(database, trusted: str | None) -> str:
    """Serve ``database`` with these trusted proxies, fail one sign-in through a "proxy" that
    is this test (127.0.0.1) and read the address the throttling recorded."""
    port = free_port()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "INVENTORY_PORT": str(port)}
    env.pop("INVENTORY_TRUSTED_PROXIES", None)
    if trusted is not None:
        env["INVENTORY_TRUSTED_PROXIES"] = trusted
    server = subprocess.Popen([sys.executable, "-m", "inventory", "serve"], env=env, cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_ready(port, server)
        answer = httpx.post(f"http://127.0.0.1:{port}/api/v1/auth/login",
                            json={"username": "nobody", "password": "wrong password"},
                            headers={"X-Forwarded-For": CLIENT, "X-Forwarded-Proto": "https"})
        assert answer.status_code == 401, answer.text
    finally:
        server.terminate()
        server.wait(timeout=20)
    with sqlite3.connect(database) as conn:
        rows = conn.execute("SELECT client_ip FROM login_failure").fetchall()
        conn.execute("DELETE FROM login_failure")
    assert len(rows) == 1
    return rows[0][0]


@pytest.fixture
def database(sqlite_template, tmp_path):
    path = tmp_path / "proxies.sqlite3"
    shutil.copyfile(sqlite_template, path)
    return path


def test_the_forwarded_address_counts_only_from_a_trusted_proxy(database):
    assert failed_login_address(database, None) == CLIENT  # default: a proxy on this machine
    assert failed_login_address(database, "10.0.0.0/8, 127.0.0.1") == CLIENT
    # A proxy elsewhere (another container): a request from here is not from it.
    assert failed_login_address(database, "172.16.0.0/12") == "127.0.0.1"


@pytest.mark.parametrize("value", ["proxy.example.org", "10.0.0.0/33", "127.0.0.1;10.0.0.1"])
def test_a_trusted_proxy_must_be_an_address_or_a_network(value):
    with pytest.raises(SettingsError, match="INVENTORY_TRUSTED_PROXIES"):
        Settings.from_env({"INVENTORY_TRUSTED_PROXIES": value})


def test_trusted_proxies_read_from_the_environment():
    assert Settings.from_env({}).proxy_list() == ["127.0.0.1"]
    assert Settings.from_env({"INVENTORY_TRUSTED_PROXIES": " 172.16.0.0/12 , ::1 "}
                             ).proxy_list() == ["172.16.0.0/12", "::1"]
    assert Settings.from_env({"INVENTORY_TRUSTED_PROXIES": "*"}).proxy_list() == ["*"]
