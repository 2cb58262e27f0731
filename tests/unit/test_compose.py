"""docker-compose.yml and the Dockerfile agree with the settings the service reads.

No Docker engine runs here, so the files are parsed: compose's ``${…}`` interpolation is
applied with test values, the app's environment goes through ``Settings.from_env``, and the
Dockerfile's instructions are checked against the compose file.
"""

from __future__ import annotations

import ast
import inspect
import re
import shlex
import textwrap
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from inventory.app import health
from inventory.config import Settings, SettingsError

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"

SECRET = "compose-test-secret-0123456789-abcdefghij"  # 43 varied characters
DB_PASSWORD = "pw4tests"
# What an operator exports before `docker compose up` (only the two required values).
OPERATOR_ENV = {"INVENTORY_SECRET_KEY": SECRET, "POSTGRES_PASSWORD": DB_PASSWORD}


class MissingVariable(Exception):
    """Compose would refuse to start: a ``${VAR:?msg}`` variable is unset or empty."""


_VAR = re.compile(r"\$\$|\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}"
                  r"|\$(?P<bare>[A-Za-z_][A-Za-z0-9_]*)")


def interpolate(value: str, env: dict[str, str]) -> str:
    """Compose's interpolation of one string: $$, $VAR, ${VAR}, ${VAR:-d}, ${VAR-d}, ${VAR:?m}."""

    def sub(match: re.Match) -> str:
        if match.group(0) == "$$":
            return "$"
        name = match.group("name") or match.group("bare")
        op, arg = match.group("op"), match.group("arg")
        current = env.get(name)
        if op in (":-", "-"):
            unset = current is None or (op == ":-" and current == "")
            return arg if unset else current
        if op in (":?", "?"):
            if current is None or (op == ":?" and current == ""):
                raise MissingVariable(f"{name}: {arg}")
            return current
        return current or ""

    return _VAR.sub(sub, value)


def resolve(node, env: dict[str, str]):
    """Interpolate every string value of the parsed compose file."""
    if isinstance(node, dict):
        return {key: resolve(value, env) for key, value in node.items()}
    if isinstance(node, list):
        return [resolve(value, env) for value in node]
    if isinstance(node, str):
        return interpolate(node, env)
    return node


def raw_compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


def compose(env: dict[str, str] | None = None) -> dict:
    return resolve(raw_compose(), OPERATOR_ENV if env is None else env)


def environment(service: dict) -> dict[str, str]:
    """A service's environment as a mapping, whichever of the two compose forms it uses."""
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {key: "" if value is None else str(value) for key, value in env.items()}


def variables_read_by_settings() -> set[str]:
    """Names of the variables ``Settings.from_env`` looks up, read from its source."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(Settings.from_env)))
    names = set()
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and node.args
                and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)
                and (getattr(node.func, "id", None) == "get"
                     or getattr(node.func, "attr", None) == "get")):
            names.add(node.args[0].value)
    return names


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined and comments dropped."""
    text = DOCKERFILE.read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n", " ", "\n".join(lines))
    result = []
    for line in joined.splitlines():
        if line.strip():
            keyword, _, rest = line.strip().partition(" ")
            result.append((keyword.upper(), " ".join(rest.split())))
    return result


def instructions(keyword: str) -> list[str]:
    return [rest for key, rest in dockerfile_instructions() if key == keyword]


def exec_form(arguments: str) -> list[str]:
    """A CMD/HEALTHCHECK CMD argument list, JSON (exec) form or shell form."""
    arguments = arguments.strip()
    if arguments.startswith("["):
        return yaml.safe_load(arguments)  # a JSON array is valid YAML
    return ["/bin/sh", "-c", arguments]


def health_url(command: list[str] | str) -> str:
    text = command if isinstance(command, str) else " ".join(command)
    urls = re.findall(r"https?://[^\s'\"]+", text)
    assert len(urls) == 1, f"expected one URL in the health check: {text}"
    return urls[0]


def mapped_container_ports(service: dict) -> set[int]:
    ports = set()
    for entry in service.get("ports", []):
        if isinstance(entry, dict):
            ports.add(int(entry["target"]))
        else:
            container = str(entry).rsplit(":", 1)[-1].split("/")[0]
            ports.add(int(container))
    return ports


# --- compose file ---------------------------------------------------------------------------


def test_both_services_exist_and_the_database_keeps_its_data_in_a_named_volume():
    services = compose()["services"]
    assert {"db", "app"} <= set(services)
    db = services["db"]
    assert re.fullmatch(r"postgres:16(\.\d+)*(-[a-z0-9.]+)?", db["image"]), db["image"]
    volumes = compose().get("volumes") or {}
    data_mounts = [v for v in db.get("volumes", []) if str(v).endswith(":/var/lib/postgresql/data")]
    assert data_mounts, "the PostgreSQL data directory must be on a volume"
    assert data_mounts[0].split(":", 1)[0] in volumes, "the data volume must be a named volume"
    assert "build" in services["app"]


def test_the_app_waits_for_a_healthy_database():
    services = compose()["services"]
    depends_on = services["app"]["depends_on"]
    assert isinstance(depends_on, dict), "the short list form cannot wait for health"
    assert depends_on["db"]["condition"] == "service_healthy"
    test = services["db"]["healthcheck"]["test"]
    assert test[0] in ("CMD", "CMD-SHELL") and "pg_isready" in " ".join(test)


def test_every_setting_in_the_app_environment_is_one_the_service_reads():
    read = variables_read_by_settings()
    # The source scan itself must see the variables (else this test would pass vacuously).
    assert {"DATABASE_URL", "INVENTORY_ENV", "INVENTORY_SECRET_KEY", "INVENTORY_PORT"} <= read
    app_env = environment(compose()["services"]["app"])
    ours = {name for name in app_env if name.startswith("INVENTORY_") or name == "DATABASE_URL"}
    assert ours, "the app service has no settings"
    unknown = ours - read
    assert not unknown, f"variables Settings.from_env does not read: {sorted(unknown)}"
    assert {"DATABASE_URL", "INVENTORY_ENV", "INVENTORY_SECRET_KEY"} <= ours


def test_the_compose_environment_gives_production_settings_on_the_db_service():
    resolved = compose()
    app_env = environment(resolved["services"]["app"])
    settings = Settings.from_env(app_env)

    assert settings.is_postgres
    assert settings.environment == "production" and settings.is_production
    assert settings.secret_key == SECRET
    assert settings.host == "0.0.0.0"
    assert settings.port == 8000
    assert settings.base_url.startswith(("http://", "https://"))

    url = urlsplit(settings.database_url)
    assert url.scheme in ("postgres", "postgresql")
    assert url.hostname == "db" and url.hostname in resolved["services"]
    assert (url.port or 5432) == 5432
    db_env = environment(resolved["services"]["db"])
    assert url.username == db_env.get("POSTGRES_USER", "postgres")
    assert url.password == db_env["POSTGRES_PASSWORD"] == DB_PASSWORD
    assert url.path.lstrip("/") == db_env.get("POSTGRES_DB", url.username)


@pytest.mark.parametrize("missing", sorted(OPERATOR_ENV))
def test_compose_refuses_to_start_without_the_secrets(missing):
    env = {key: value for key, value in OPERATOR_ENV.items() if key != missing}
    with pytest.raises(MissingVariable, match=missing):
        compose(env)
    with pytest.raises(MissingVariable, match=missing):
        compose({**env, missing: ""})


@pytest.mark.parametrize("secret", ["", "short-secret", "dev-only-secret-change-me", None])
def test_settings_refuse_the_compose_environment_without_a_real_secret(secret):
    app_env = environment(compose()["services"]["app"])
    if secret is None:
        del app_env["INVENTORY_SECRET_KEY"]
    else:
        app_env["INVENTORY_SECRET_KEY"] = secret
    with pytest.raises(SettingsError, match="INVENTORY_SECRET_KEY"):
        Settings.from_env(app_env)


def test_the_health_checks_probe_the_public_health_route():
    assert health.paths == {"/health"} and "GET" in health.http_methods
    app = compose()["services"]["app"]
    settings = Settings.from_env(environment(app))
    compose_url = urlsplit(health_url(app["healthcheck"]["test"]))
    (docker_check,) = instructions("HEALTHCHECK")
    assert " CMD " in f" {docker_check} "
    docker_url = urlsplit(health_url(docker_check))
    for url in (compose_url, docker_url):
        assert url.path == "/health"
        assert url.hostname in ("127.0.0.1", "localhost")
        assert url.port == settings.port


# --- Dockerfile -----------------------------------------------------------------------------


def test_the_image_has_weasyprints_libraries():
    (base,) = instructions("FROM")
    assert base.split()[0] == "python:3.11-slim-bookworm"
    installs = [run for run in instructions("RUN") if "apt-get install" in run]
    assert len(installs) == 1
    words = set(installs[0].split())
    assert {"libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz0b", "libharfbuzz-subset0",
            "fonts-dejavu-core"} <= words
    assert "--no-install-recommends" in words
    assert "rm -rf /var/lib/apt/lists/*" in installs[0]


def test_the_image_runs_as_a_non_root_user():
    users = instructions("USER")
    assert users, "no USER instruction: the service would run as root"
    user = users[-1].split(":")[0]
    assert user not in ("root", "0")
    created = " ".join(instructions("RUN"))
    assert re.search(rf"(useradd|adduser)\b[^&;]*\b{re.escape(user)}\b", created), created
    # The last USER comes before the command it applies to.
    keywords = [key for key, _ in dockerfile_instructions()]
    last_user = len(keywords) - 1 - keywords[::-1].index("USER")
    assert last_user < keywords.index("CMD")


def test_the_image_exposes_the_port_compose_maps_and_serves_on_it():
    app = compose()["services"]["app"]
    exposed = {int(port.split("/")[0]) for line in instructions("EXPOSE") for port in line.split()}
    mapped = mapped_container_ports(app)
    assert mapped == {8000}
    assert mapped <= exposed

    (cmd,) = instructions("CMD")
    command = exec_form(cmd)
    script = command[-1] if command[:2] in (["sh", "-c"], ["/bin/sh", "-c"]) else shlex.join(command)
    migrate, serve = script.find("inventory migrate"), script.find("inventory serve")
    assert 0 <= migrate < serve, "the command must migrate, then serve"
    assert "&&" in script[migrate:serve], "the service must not start if the migration fails"
    serve_args = shlex.split(script[serve:])
    assert serve_args[serve_args.index("--host") + 1] == "0.0.0.0"
    assert int(serve_args[serve_args.index("--port") + 1]) in mapped


def test_the_image_keeps_templates_next_to_the_package():
    """The app reads templates from PROJECT_ROOT/templates: an editable install from the copy."""
    copies = " ".join(instructions("COPY"))
    for needed in ("pyproject.toml", "README.md", "inventory", "labels", "templates"):
        assert re.search(rf"(^|\s){re.escape(needed)}(\s|$)", copies), needed
        assert (ROOT / needed).exists()
    assert any(re.search(r"pip install[^&]*\s-e\s+\.", run) for run in instructions("RUN"))
    ignored = {line.strip().rstrip("/") for line in DOCKERIGNORE.read_text().splitlines()
               if line.strip() and not line.startswith("#")}
    assert {".venv", "var", ".git"} <= ignored
    assert not ignored & {"pyproject.toml", "README.md", "inventory", "labels", "templates"}
