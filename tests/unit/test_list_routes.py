"""Every JSON list answers one page at a time: nothing returns a whole table."""

import typing

from inventory.app import create_app
from inventory.config import Settings

# Lists of one person's records: a handful each, bounded by the person, not by the table.
ONE_PERSONS = {"/api/v1/beneficiaries/{number:str}/decisions",
               "/api/v1/beneficiaries/{number:str}/assessments",
               "/api/v1/beneficiaries/{number:str}/enrollments"}


def json_lists():
    app = create_app(Settings(database_url="sqlite:////tmp/unused-route-walk.sqlite3"))
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            if "GET" not in getattr(handler, "http_methods", ()):
                continue
            signature = handler.parsed_fn_signature
            answer = signature.return_type.annotation
            # A list, or a page object (ItemPage, WaitingListRead…).
            if typing.get_origin(answer) is list or "Page" in str(answer) \
                    or "List" in str(answer):
                yield route.path, set(signature.parameters)


def test_every_json_list_takes_a_page_and_a_page_size():
    unbounded = [path for path, params in json_lists()
                 if path not in ONE_PERSONS and not {"page", "per_page"} <= params]
    assert unbounded == []


def test_the_walk_sees_the_lists():
    paths = {path for path, _params in json_lists()}
    assert {"/api/v1/items", "/api/v1/users", "/api/v1/wipes/queue",
            "/api/v1/beneficiaries/duplicates"} <= paths
