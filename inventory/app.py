"""The Litestar application: API, web pages, security, and the database lifecycle."""

from __future__ import annotations

import logging
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from litestar import Litestar, Request, get
from litestar.datastructures import State
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import OpenAPIRenderPlugin
from litestar.static_files import create_static_files_router

from inventory.api.admin import SiteController, UserController
from inventory.api.auth import AuthController
from inventory.api.cards import CardController
from inventory.api.errors import EXCEPTION_HANDLERS, document_errors
from inventory.api.items import ItemController, ScanController
from inventory.api.documents import LoanDocumentController
from inventory.api.label_jobs import LabelJobController
from inventory.api.labels import LabelController
from inventory.api.learning import (
    EnrollmentController, LearnerController, LearningPathController, PathEndedLoanController,
    SessionController,
)
from inventory.api.loans import LoanController, ReturnController
from inventory.api.people import (
    BeneficiaryController, DecisionController, PartnerOrgController, ReferralController,
    RuleSetController,
)
from inventory.api.privacy import PrivacyController
from inventory.api.reminders import ReminderController
from inventory.api.reports import ReportController as ReportApiController
from inventory.api.stocktake import StocktakeController
from inventory.api.waiting import WaitingController
from inventory.api.workshop import RepairController, WipeController
from inventory.config import PROJECT_ROOT, Settings
from inventory.db.engine import close_engine, engine_from_url, is_sqlite
from inventory.db.piccolo_app import APP_CONFIG
from inventory.db.reader import Reader
from inventory.domain.days import local_moment
from inventory.services.label_jobs import JobStore
from inventory.services.senders import sender_from_settings
from inventory.web.desk import DeskController
from inventory.web.backoffice import BackOfficeController
from inventory.web.admin_accounts import SitePagesController, UserPagesController
from inventory.web.imports import ImportPageController
from inventory.web.item_list import ItemListController
from inventory.web.me import MeController
from inventory.web.headers import no_store
from inventory.web.labels import LabelPageController
from inventory.web.pages import WebController
from inventory.web.portal import PortalController
from inventory.web.reminders import ReminderPageController
from inventory.web.reports import ReportPageController
from inventory.web.stocktake import StocktakePageController
from inventory.web.workshop import WorkshopController
from inventory.web.security import (
    PUBLIC, SCHEMA_PATH, SessionAuthMiddleware, check_csrf, permission_guard,
)

TEMPLATES_DIR = PROJECT_ROOT / "templates"
STATIC_DIR = Path(__file__).resolve().parent / "static"
log = logging.getLogger("inventory")


@get("/health", opt={PUBLIC: True}, include_in_schema=False, sync_to_thread=False)
def health() -> dict[str, str]:
    """Liveness probe for the reverse proxy and docker compose."""
    return {"status": "ok"}


def bind_tables(engine) -> None:
    """Point every table of the app at ``engine``."""
    for table in APP_CONFIG.table_classes:
        table._meta.db = engine


def make_templates() -> Environment:
    """Jinja with autoescape on for every template (no |safe on user data anywhere)."""
    env = Environment(loader=FileSystemLoader(TEMPLATES_DIR), autoescape=select_autoescape(
        enabled_extensions=("html", "svg", "xml"), default=True), auto_reload=False)
    env.filters["local"] = local_moment  # stored UTC timestamps shown on the association's clock
    return env


class JsonOnly(OpenAPIRenderPlugin):
    """Serve only the JSON schema: the stock viewer pages load scripts from a CDN."""

    def __init__(self) -> None:
        super().__init__(path="/openapi.json")

    def render(self, request: Request, openapi_schema: dict) -> bytes:  # noqa: D102
        return self.render_json(request, openapi_schema)


def create_app(settings: Settings | None = None, engine=None) -> Litestar:
    """Build the application for ``settings`` (read from the environment by default)."""
    settings = settings or Settings.from_env()
    settings.check()  # settings built in code (tests, embedding) meet the production rules too
    engine = engine or engine_from_url(settings.database_url)
    bind_tables(engine)
    reader = Reader(engine)
    label_jobs = JobStore()

    async def on_startup() -> None:
        if not is_sqlite(engine):
            await engine.start_connection_pool(max_size=settings.db_pool_size)

    async def on_shutdown() -> None:
        label_jobs.cancel_all()
        reader.close()
        await close_engine(engine)

    app = Litestar(
        route_handlers=[
            health, AuthController, ItemController, ScanController, SiteController,
            UserController, WebController, DeskController, LabelController, LabelJobController,
            LabelPageController, PartnerOrgController,
            BeneficiaryController, PrivacyController, ReferralController, DecisionController, RuleSetController,
            LoanController, ReturnController, LoanDocumentController, WaitingController, WipeController,
            RepairController, PortalController, WorkshopController, BackOfficeController,
            ItemListController, SitePagesController, UserPagesController, ImportPageController,
            MeController,
            CardController,
            LearningPathController, LearnerController, EnrollmentController, SessionController,
            PathEndedLoanController,
            StocktakeController, StocktakePageController,
            ReportApiController, ReportPageController,
            ReminderController, ReminderPageController,
            create_static_files_router(path="/static", directories=[STATIC_DIR],
                                       opt={PUBLIC: True}, include_in_schema=False),
        ],
        middleware=[no_store, DefineMiddleware(SessionAuthMiddleware, exclude_from_auth_key=PUBLIC,
                                     exclude=[f"^{SCHEMA_PATH}"])],
        guards=[permission_guard],
        before_request=check_csrf,
        exception_handlers=EXCEPTION_HANDLERS,
        on_startup=[on_startup],
        on_shutdown=[on_shutdown],
        state=State({"settings": settings, "reader": reader, "engine": engine,
                     "templates": make_templates(), "label_jobs": label_jobs,
                     # The desk's "send a reminder now" goes out the way `inventory remind` does.
                     "reminder_sender": sender_from_settings(settings)}),
        openapi_config=OpenAPIConfig(
            title="Inventaire de prêts — API", version="1.0.0", path="/schema",
            render_plugins=[JsonOnly()],
        ),
        request_max_body_size=2 * 1024 * 1024,
        debug=False,
    )
    document_errors(app)
    return app
