"""Every route has an access rule: public on purpose, or a permission from the table."""

from inventory.app import create_app
from inventory.config import Settings
from inventory.domain.access import PERMISSIONS
from inventory.web.security import PUBLIC

PUBLIC_ROUTES = {("/health", "GET"), ("/api/v1/auth/login", "POST"), ("/login", "GET"),
                 ("/login", "POST"), ("/", "GET"), ("/static", "GET"), ("/static", "HEAD"),
                 ("/schema/openapi.json", "GET"), ("/schema", "GET")}


def walk_routes():
    app = create_app(Settings(database_url="sqlite:////tmp/unused-route-walk.sqlite3"))
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            for method in sorted(getattr(handler, "http_methods", {"WS"})):
                yield route.path, method, handler


def test_every_route_is_public_on_purpose_or_needs_a_known_permission():
    problems = []
    for path, method, handler in walk_routes():
        if path.startswith(("/schema", "/static")) or method == "OPTIONS":
            continue
        if handler.opt.get(PUBLIC):
            if (path, method) not in PUBLIC_ROUTES:
                problems.append(f"{method} {path} is public but not in the allow-list")
        elif handler.opt.get("permission") not in PERMISSIONS:
            problems.append(f"{method} {path} has no permission rule")
    assert problems == []


def test_the_walk_sees_the_main_routes():
    seen = {(path, method) for path, method, _h in walk_routes()}
    assert ("/api/v1/scan", "GET") in seen
    assert ("/api/v1/items/{tag:str}/transitions", "POST") in seen


def test_the_openapi_schema_is_json_and_no_viewer_page_loads_a_cdn():
    from litestar.testing import TestClient

    app = create_app(Settings(database_url="sqlite:////tmp/unused-route-walk.sqlite3"))
    with TestClient(app) as client:
        schema = client.get("/schema/openapi.json")
        assert schema.status_code == 200
        paths = schema.json()["paths"]
        assert "/api/v1/scan" in paths and "/api/v1/items/{tag}/transitions" in paths
        assert client.get("/schema/swagger").status_code == 404
        assert client.get("/schema/redoc").status_code == 404
