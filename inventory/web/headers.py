"""Response headers for pages and API answers that carry personal data."""

from __future__ import annotations

from litestar.types import ASGIApp, Message, Receive, Scope, Send

# Everything under these paths may show a person: never kept by a browser or a proxy.
NO_STORE_PREFIXES = (
    "/api/v1/beneficiaries", "/api/v1/referrals", "/api/v1/decisions", "/api/v1/loans",
    "/api/v1/waiting-list", "/api/v1/returns", "/api/v1/losses", "/api/v1/enrollments",
    "/api/v1/workshops", "/api/v1/cards",
    # Aggregates only, but the page shows counts of 1 to 4 per commune or age band, which can
    # point at one person; and the PDF and its error pages should not linger in a shared cache.
    "/reports",
    "/api/v1/reports",  # the CSV tables list partner organisations, communes, counts
)


def no_store(app: ASGIApp) -> ASGIApp:
    """Middleware: ``Cache-Control: no-store`` on every answer under NO_STORE_PREFIXES,
    errors included."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(NO_STORE_PREFIXES):
            await app(scope, receive, send)
            return

        async def send_no_store(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", [])
                           if k.lower() != b"cache-control"]
                message = {**message, "headers": [*headers, (b"cache-control", b"no-store")]}
            await send(message)

        await app(scope, receive, send_no_store)

    return middleware
