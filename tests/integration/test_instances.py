"""Several app processes on one PostgreSQL database behave as one service."""

import os
import socket
import subprocess
import sys
import time

import httpx
import pytest

from tests.conftest import ROOT
from tests.factories import PASSWORD, make_item, make_site, make_user


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(url: str, port: int) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": url, "INVENTORY_PORT": str(port)}
    return subprocess.Popen([sys.executable, "-m", "inventory", "serve"], env=env, cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def wait_ready(port: int, process: subprocess.Popen, timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(process.stderr.read().decode())
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise TimeoutError(f"server on port {port} did not start")


# Several instances need the shared database: PostgreSQL only (SQLite runs as one process).
only_postgres = pytest.mark.parametrize("db", ["postgres"], indirect=True)


@pytest.fixture
def two_instances(db):
    ports = [free_port(), free_port()]
    servers = [start_server(db.url, port) for port in ports]
    try:
        for port, server in zip(ports, servers):
            wait_ready(port, server)
        yield [f"http://127.0.0.1:{port}" for port in ports]
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=20)


@only_postgres
async def test_sign_in_on_one_instance_and_act_on_the_other(db, two_instances):
    await make_site()
    await make_user("admin", site_code="AUB")
    item = await make_item()
    first, second = two_instances
    async with httpx.AsyncClient(base_url=first) as a, httpx.AsyncClient(base_url=second) as b:
        login = await a.post("/api/v1/auth/login", json={"username": "admin",
                                                          "password": PASSWORD})
        assert login.status_code == 200
        cookie = {"cookie": f"esn_session={login.cookies['esn_session']}",
                  "x-csrf-token": login.json()["csrf_token"]}
        moved = await b.post(f"/api/v1/items/{item['tag']}/transitions",
                             json={"to": "refurbishing"}, headers=cookie)
        assert moved.status_code == 200, moved.text
        seen = await a.get(f"/api/v1/scan?code={item['tag']}", headers=cookie)
        assert seen.json()["state"] == "refurbishing"
        await a.post("/api/v1/auth/logout", headers=cookie)
        assert (await b.get("/api/v1/auth/me", headers=cookie)).status_code == 401
